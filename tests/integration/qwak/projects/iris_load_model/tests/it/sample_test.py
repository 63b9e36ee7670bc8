import pandas as pd
from qwak_inference.realtime_client.client import InferenceOutputFormat


def test_iris_classifier_by_dicts(real_time_client):
    rows = [{"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3}]
    assert real_time_client.predict(rows) == [{"species": 2}]


def test_iris_classifier_by_a_frame_answers_a_frame(real_time_client):
    frame = pd.DataFrame(
        [[5.1, 3.5, 1.4, 0.2]],
        columns=["sepal_length", "sepal_width", "petal_length", "petal_width"],
    )
    answer = real_time_client.predict(frame, output_format=InferenceOutputFormat.PANDAS)
    assert isinstance(answer, pd.DataFrame)
    assert answer["species"].tolist() == [0]
