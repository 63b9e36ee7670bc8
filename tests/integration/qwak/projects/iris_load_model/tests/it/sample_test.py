def test_iris_classifier_by_dicts(real_time_client):
    rows = [{"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3}]
    assert real_time_client.predict(rows)["species"].tolist() == [2]
