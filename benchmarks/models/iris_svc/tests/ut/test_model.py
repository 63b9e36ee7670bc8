import numpy as np
from main import IrisSVC
from main.model import FEATURES


def test_predicts_known_flowers() -> None:
    model = IrisSVC()
    model.build()
    rows = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    columns = {name: rows[:, i] for i, name in enumerate(FEATURES)}
    assert model.predict(columns).tolist() == [0, 2]
