def test_served_from_its_own_environment(real_time_client):
    answer = real_time_client.predict([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    assert answer["species"].tolist() == [0, 2]
