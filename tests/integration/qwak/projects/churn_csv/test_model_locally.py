import pandas as pd
from qwak.model.tools import run_local

from main import *

if __name__ == "__main__":
    m = ChurnModel()
    feature_vector = pd.DataFrame(
        {
            "Unnamed: 0": [0],
            "customer_id": ["1000"],
            "tenure_months": [12],
            "monthly_charges": [70.35],
        }
    )
    prediction = run_local(m, feature_vector.to_json())
    print(prediction)
