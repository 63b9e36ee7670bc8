def where():
    return "vendored/"
