import numpy as np
from main import IrisSVC


def test_predicts_known_flowers() -> None:
    model = IrisSVC()
    model.build()
    rows = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    assert model.predict(rows).tolist() == [0, 2]
