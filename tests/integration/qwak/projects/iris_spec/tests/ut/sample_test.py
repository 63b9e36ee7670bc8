from main.util import add

def add_test():
    assert add(3,2) == 5
