class Model:
    def predict(self, model_input):
        return {"predicted": model_input}

    def chat_completions(self, model_input):
        last = model_input["messages"][-1]["content"]
        if model_input.get("stream"):
            return self._tokens(last)
        return {
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": last[::-1]}}],
        }

    def _tokens(self, text):
        for word in text.split():
            yield {"object": "chat.completion.chunk", "choices": [{"delta": {"content": word}}]}
