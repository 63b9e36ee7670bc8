import pandas as pd
from main import IrisLogistic


def test_a_setosa() -> None:
    model = IrisLogistic()
    model.build()
    row = pd.DataFrame(
        [[5.1, 3.5, 1.4, 0.2]],
        columns=["sepal_length", "sepal_width", "petal_length", "petal_width"],
    )
    assert model.predict(row)["species"].tolist() == [0]
