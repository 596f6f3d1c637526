"""A composite agent: several agents run as one, in sequence, in parallel, or as fallbacks.

- `sequential` (default; also `pipeline`, `chain`): each agent gets the previous one's answer.
- `parallel` (also `broadcast`): every agent gets the same input at once; the answers are joined.
- `fallback` (also `first`): the agents are tried in order until one answers.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from llmspell.agents.agent import Agent, TextSink
from llmspell.agents.config import AgentConfig
from llmspell.agents.io import AgentInput, AgentOutput
from llmspell.agents.loop import Turn
from llmspell.core.errors import AgentError, LLMSpellError, ValidationError
from llmspell.providers import ChatMessage, ChatResponse, Usage

if TYPE_CHECKING:
    from llmspell.runtime.script_thread import ScriptThread
    from llmspell.state import StateStore

_MODES = {
    "sequential": "sequential",
    "pipeline": "sequential",
    "chain": "sequential",
    "parallel": "parallel",
    "broadcast": "parallel",
    "fallback": "fallback",
    "first": "fallback",
}


def composite_mode(routing: dict[str, Any]) -> str:
    raw = routing.get("mode") or routing.get("strategy") or routing.get("type") or "sequential"
    mode = _MODES.get(str(raw))
    if mode is None:
        raise ValidationError(
            f"Agent.create_composite: mode {raw!r} is not one of sequential, parallel, fallback"
        )
    return mode


class CompositeAgent(Agent):
    kind: ClassVar[str] = "composite"

    def __init__(
        self,
        config: AgentConfig,
        *,
        members: list[Agent],
        script_thread: ScriptThread | None = None,
        state: Callable[[], StateStore] | None = None,
    ) -> None:
        if not members:
            raise ValidationError("Agent.create_composite: give at least one agent to run")
        super().__init__(
            config,
            provider="composite",
            model=",".join(m.name for m in members),
            state=state,
        )
        self.members = members
        self.mode = composite_mode(config.routing)
        self._script_thread = script_thread

    def _respond(self, request: AgentInput, on_text: TextSink | None, usage: Usage) -> Turn:
        match self.mode:
            case "parallel":
                outputs = self._parallel(request)
                text = "\n\n".join(f"[{out.agent}]\n{out.text}" for out in outputs)
                if on_text is not None:
                    on_text(text)
            case "fallback":
                outputs = [self._fallback(request)]
                text = outputs[0].text
                if on_text is not None:
                    on_text(text)
            case _:
                outputs = self._sequential(request, on_text)
                text = outputs[-1].text
        for out in outputs:
            usage.input_tokens += out.usage.input_tokens
            usage.output_tokens += out.usage.output_tokens
        last = outputs[-1]
        return Turn(
            messages=[
                ChatMessage(role="user", content=request.text),
                ChatMessage(role="assistant", content=text),
            ],
            response=ChatResponse(
                text=text,
                provider=self.provider,
                model=self.model,
                finish_reason=last.finish_reason,
            ),
            usage=usage,
            tool_calls=[call for out in outputs for call in out.tool_calls],
            rounds=sum(out.rounds for out in outputs),
            chunks=sum(out.chunks for out in outputs),
            cost_usd=sum(out.cost_usd for out in outputs),
        )

    def _sequential(self, request: AgentInput, on_text: TextSink | None) -> list[AgentOutput]:
        outputs: list[AgentOutput] = []
        current = request
        for i, member in enumerate(self.members):
            last = i == len(self.members) - 1
            out = member.execute(current, on_text=on_text if last else None)
            outputs.append(out)
            current = AgentInput(text=out.text, context=request.context)
        return outputs

    def _parallel(self, request: AgentInput) -> list[AgentOutput]:
        with ThreadPoolExecutor(max_workers=len(self.members)) as pool:
            futures = [
                pool.submit(copy_context().run, member.execute, replace(request))
                for member in self.members
            ]
            results: list[AgentOutput | BaseException] = []
            for future in futures:
                try:
                    results.append(self._wait(future))
                except LLMSpellError as exc:
                    results.append(exc)
        failed = [
            f"{m.name}: {r}"
            for m, r in zip(self.members, results, strict=True)
            if isinstance(r, BaseException)
        ]
        if failed:
            raise AgentError(f"Composite agent '{self.name}': " + "; ".join(failed))
        return [r for r in results if isinstance(r, AgentOutput)]

    def _fallback(self, request: AgentInput) -> AgentOutput:
        errors = []
        for member in self.members:
            try:
                return member.execute(replace(request))
            except LLMSpellError as exc:
                errors.append(f"{member.name}: {exc}")
        raise AgentError(f"Composite agent '{self.name}': every agent failed: " + "; ".join(errors))

    def _wait(self, future: Future[AgentOutput]) -> AgentOutput:
        if self._script_thread is not None:
            return self._script_thread.wait(future)
        return future.result()
