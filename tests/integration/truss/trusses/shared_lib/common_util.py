def label(value):
    return f"<{value}>"
