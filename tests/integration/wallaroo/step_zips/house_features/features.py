"""Features derived from a listing, shared by the training notebook and the pre-processing step."""

import numpy as np

FEATURES = ("sqft_living", "sqft_lot", "renovated", "years_since_renovation")


def with_derived(columns):
    """The listing's columns plus `renovated` (0 or 1) and `years_since_renovation`."""
    built = np.asarray(columns["yr_built"])
    renovated_in = np.asarray(columns["yr_renovated"])
    renovated = renovated_in > 0
    return {
        **columns,
        "renovated": renovated.astype(np.float64),
        "years_since_renovation": np.where(renovated, renovated_in - built, 0),
    }
