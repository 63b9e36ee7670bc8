"""Trying the scaler BYOP model on this machine before zipping `scaler/` and uploading it:
the builder creates the Inference from the model's folder, as Wallaroo's engine will."""

from pathlib import Path

import numpy as np
from mac.config.inference import CustomInferenceConfig
from scaler.inference import ScalerBuilder

config = CustomInferenceConfig(
    framework="custom", model_path=Path("scaler"), modules_to_include={Path("*.py")}
)
inference = ScalerBuilder().create(config)
result = inference.predict(input_data={"tensor": np.array([[0.0, 10.0], [2.0, 30.0]])})
print(result["scaled"].tolist())
