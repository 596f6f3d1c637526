"""A scripted chat model: our own `ChatModel` protocol with queued replies and recorded requests
(llm's MockModel, pydantic-ai's FunctionModel), for fast agent tests without any HTTP."""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from llmspell.providers import ChatRequest, ChatResponse, StreamEvent, ToolCall, Usage

Reply = ChatResponse | Exception | str | Callable[[ChatRequest], Any]


def calls(*pairs: tuple[str, dict[str, Any]], text: str = "") -> ChatResponse:
    """A reply asking for tool calls: `calls(("calculator", {"input": "2+2"}))`."""
    return ChatResponse(
        text=text,
        provider="",
        model="",
        tool_calls=[
            ToolCall(id=f"call_{i}", name=name, arguments=args)
            for i, (name, args) in enumerate(pairs, 1)
        ],
        finish_reason="tool_calls",
    )


def _words(text: str | None) -> int:
    return len((text or "").split())


@dataclass
class Sent:
    provider: str
    model: str
    request: ChatRequest

    @property
    def messages(self) -> list[Any]:
        return self.request.messages

    def roles(self) -> list[str]:
        return [m.role for m in self.request.messages]


@dataclass
class Script:
    """What the scripted models answer, shared by every model the factory builds."""

    replies: deque[Reply] = field(default_factory=deque)
    sent: list[Sent] = field(default_factory=list)
    builds: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    handler: Callable[[ChatRequest], Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def factory(
        self, provider: str, model: str, base_url: str | None, api_key: str | None
    ) -> ScriptedModel:
        self.builds.append((provider, model, base_url, api_key))
        return ScriptedModel(self, provider, model or "default-model")

    @property
    def last(self) -> Sent:
        return self.sent[-1]


class ScriptedModel:
    """A ChatModel answering from its Script: text, a ChatResponse, or an exception to raise."""

    def __init__(self, script: Script, provider: str, model: str) -> None:
        self.script = script
        self.provider = provider
        self.model = model

    def chat(self, request: ChatRequest) -> ChatResponse:
        snapshot = copy.copy(request)
        snapshot.messages = list(request.messages)
        with self.script.lock:
            self.script.sent.append(Sent(self.provider, self.model, snapshot))
            handler = self.script.handler
            reply: Any = None
            if handler is None:
                if self.script.replies:
                    reply = self.script.replies.popleft()
                else:
                    reply = f"echo: {request.messages[-1].content}"
        if handler is not None:
            reply = handler(snapshot)
        if callable(reply) and not isinstance(reply, ChatResponse):
            reply = reply(snapshot)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, str):
            reply = ChatResponse(text=reply, provider="", model="")
        usage = reply.usage
        if usage.input_tokens == 0 and usage.output_tokens == 0:
            usage = Usage(
                input_tokens=max(1, sum(_words(m.content) for m in request.messages)),
                output_tokens=max(1, _words(reply.text)),
            )
        return ChatResponse(
            text=reply.text,
            provider=self.provider,
            model=self.model,
            usage=usage,
            tool_calls=list(reply.tool_calls),
            finish_reason=reply.finish_reason,
        )

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        response = self.chat(request)
        words = response.text.split(" ")
        for i, word in enumerate(words):
            piece = word if i == len(words) - 1 else word + " "
            if piece:
                yield StreamEvent(kind="text", text=piece)
        yield StreamEvent(kind="done", response=response)
