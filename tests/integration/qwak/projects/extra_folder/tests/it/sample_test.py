def test_greets_with_the_words_of_the_extra_folder(real_time_client):
    answer = real_time_client.predict([{"language": "fr"}, {"language": "en"}])
    assert answer["greeting"].tolist() == ["bonjour", "hello"]
