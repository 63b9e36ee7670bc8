def test_served_model_answers(real_time_client):
    rows = [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]
    result = real_time_client.predict(rows)
    assert result["species"].tolist() == [0]
