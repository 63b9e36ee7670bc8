"""``mac.config.inference.CustomInferenceConfig``: what a BYOP builder's ``create`` receives."""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CustomInferenceConfig:
    """Where the unzipped model lives and which of its files are Python modules."""

    framework: str
    model_path: Path
    modules_to_include: set[str] = field(default_factory=lambda: {"*.py"})

    def __post_init__(self) -> None:
        if self.framework != "custom":
            raise ValueError(
                f"CustomInferenceConfig needs framework='custom', not {self.framework!r}."
            )
        if not isinstance(self.model_path, Path):
            raise TypeError(
                f"model_path must be a pathlib.Path, not {type(self.model_path).__name__}."
            )
