def where():
    return "decoy packages/"
