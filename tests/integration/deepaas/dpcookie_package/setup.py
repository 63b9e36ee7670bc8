import setuptools

setuptools.setup(setup_requires=["pbr>=5.4"], pbr=True)
