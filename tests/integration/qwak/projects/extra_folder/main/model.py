from pathlib import Path

import pandas as pd
import frogml
from frogml import FrogMlModel

LEXICON = Path(__file__).resolve().parent.parent / "lexicon" / "greetings.txt"


class Greeter(FrogMlModel):
    def build(self):
        pass

    @frogml.api()
    def predict(self, df):
        greetings = dict(line.split("=", 1) for line in LEXICON.read_text().splitlines())
        return df["language"].map(greetings).rename("greeting")
