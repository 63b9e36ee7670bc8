import pandas as pd
from qwak.testing.fixtures import real_time_client


def test_scores_rows_of_the_crm_export(real_time_client):
    feature_vector = pd.DataFrame(
        {
            "Unnamed: 0": [17, 18],
            "customer_id": [2042, 2043],
            "tenure_months": [2, 70],
            "monthly_charges": ["105.10", "19.95"],
        }
    )
    scores = real_time_client.predict(feature_vector)
    assert [s["row"] for s in scores] == [17, 18]
    assert [s["customer_id"] for s in scores] == ["2042", "2043"]
    assert scores[0]["churn_probability"] > 0.5 > scores[1]["churn_probability"]
