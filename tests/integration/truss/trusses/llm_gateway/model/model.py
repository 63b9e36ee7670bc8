"""A Truss answering the OpenAI- and Anthropic-style routes, as gateways in front of an LLM
often are: each route calls the method of its name."""


class Model:
    def __init__(self, **kwargs):
        self._config = kwargs["config"]
        self._reply = None

    def load(self):
        self._reply = lambda text: text.upper()

    def predict(self, model_input):
        return {"completion": self._reply(model_input["prompt"]), "model": "echo-1"}

    def chat_completions(self, model_input):
        last = model_input["messages"][-1]["content"]
        return {
            "object": "chat.completion",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": self._reply(last)}}
            ],
        }

    def messages(self, model_input):
        last = model_input["messages"][-1]["content"]
        return {
            "type": "message",
            "role": "assistant",
            "model": model_input.get("model", "echo-1"),
            "content": [{"type": "text", "text": self._reply(last)}],
            "stop_reason": "end_turn",
        }

    def responses(self, model_input):
        return {
            "object": "response",
            "status": "completed",
            "output": [
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": self._reply(model_input["input"])}],
                }
            ],
        }
