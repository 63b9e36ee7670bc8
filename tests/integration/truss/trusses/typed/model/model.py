from pydantic import BaseModel, Field


class Question(BaseModel):
    text: str
    repeat: int = Field(ge=1, le=5)


class Answer(BaseModel):
    text: str
    length: int


class Model:
    def predict(self, question: Question) -> Answer:
        text = " ".join([question.text] * question.repeat)
        return Answer(text=text, length=len(text))
