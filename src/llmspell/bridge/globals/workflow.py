"""`Workflow`: the builder, the table constructors, the registry calls and workflow instances."""

from __future__ import annotations

import builtins
from typing import Any

from llmspell.bridge.globals.base import ScriptGlobal, ScriptObject, script_type
from llmspell.core.errors import ValidationError, WorkflowError
from llmspell.workflows import (
    Branch,
    LoopSpec,
    Workflow,
    WorkflowEngine,
    WorkflowSpec,
    error_policy,
    parse_condition,
    parse_step,
)


def _unwrap(table: Any) -> Any:
    """Script handles inside a step table (`agent=<agent>`, `workflow=<wf>`) as components."""
    if not isinstance(table, dict):
        return table
    out = dict(table)
    agent = out.get("agent")
    if isinstance(agent, ScriptObject) and hasattr(agent, "_agent"):
        out["agent"] = agent._agent
    wf = out.get("workflow")
    if isinstance(wf, WorkflowHandle):
        out["workflow"] = wf._workflow
    return out


def _step(table: Any, index: int, where: str) -> Any:
    return parse_step(_unwrap(table), default_name=f"step_{index}", where=where)


def _steps(value: Any, where: str) -> list[Any]:
    if value is None or value == {}:
        return []
    if isinstance(value, dict) and "steps" in value:
        value = value["steps"]
    if not isinstance(value, list):
        raise ValidationError(f"{where}: steps must be a list of step tables")
    return [_step(s, i, where) for i, s in enumerate(value, start=1)]


def _ms(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValidationError(f"{where}: expected a positive number of milliseconds")
    return float(value) / 1000


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 1:
        raise ValidationError(f"{where}: expected a positive integer, got {value!r}")
    return int(value)


def _range(value: Any, where: str) -> LoopSpec:
    if not isinstance(value, dict):
        raise ValidationError(f"{where}: a range is {{start=, ['end']=, step=}}")
    spec = LoopSpec(kind="range")
    for key in ("start", "end", "step"):
        if value.get(key) is not None:
            if not isinstance(value[key], int | float) or isinstance(value[key], bool):
                raise ValidationError(f"{where}: range `{key}` must be a number")
            setattr(spec, key, value[key])
    if spec.step == 0:
        raise ValidationError(f"{where}: range `step` cannot be 0")
    return spec


def _parallel_branches(config: dict[str, Any], where: str) -> list[Branch]:
    """`branches={{name, steps}, ...}` and/or a flat `steps={step, ...}` (one branch each)."""
    branches: list[Branch] = []
    for key in ("branches", "steps"):
        items = config.get(key) or []
        if not isinstance(items, list):
            raise ValidationError(f"{where}: `{key}` must be a list")
        for i, item in enumerate(items, start=1):
            if isinstance(item, dict) and isinstance(item.get("steps"), list):
                branches.append(
                    Branch(
                        name=str(item.get("name") or f"branch_{len(branches) + 1}"),
                        steps=_steps(item["steps"], where),
                        required=item.get("required", True) is not False,
                    )
                )
            else:
                step = _step(item, i, where)
                branches.append(Branch(name=step.name, steps=[step], required=step.required))
    return branches


class WorkflowBuilder(ScriptObject):
    """`Workflow.builder()`: every setter returns the builder; `:build()` the workflow."""

    def __init__(self, owner: WorkflowGlobal) -> None:
        self._owner = owner
        self._name: str | None = None
        self._description = ""
        self._kind: str | None = None
        self._policy: Any = None
        self._timeout: float | None = None
        self._steps: list[Any] = []
        self._then: list[Any] = []
        self._else: list[Any] = []
        self._condition: Any = None
        self._branches: list[Branch] = []
        self._loop = LoopSpec(kind="range")
        self._loop_set = False
        self._max_concurrency = 4
        self._all_matching = False

    # common
    def name(self, value: Any) -> WorkflowBuilder:
        if not isinstance(value, str) or not value:
            raise ValidationError("Workflow.builder():name: pass a non-empty string")
        self._name = value
        return self

    def description(self, value: Any) -> WorkflowBuilder:
        self._description = str(value or "")
        return self

    def _type(self, kind: str) -> WorkflowBuilder:
        self._kind = kind
        return self

    def sequential(self) -> WorkflowBuilder:
        return self._type("sequential")

    def parallel(self) -> WorkflowBuilder:
        return self._type("parallel")

    def conditional(self) -> WorkflowBuilder:
        return self._type("conditional")

    def loop(self) -> WorkflowBuilder:
        return self._type("loop")

    loop_workflow = loop

    def error_strategy(self, value: Any) -> WorkflowBuilder:
        self._policy = error_policy(value, where="Workflow.builder():error_strategy")
        return self

    def timeout_ms(self, value: Any) -> WorkflowBuilder:
        self._timeout = _ms(value, "Workflow.builder():timeout_ms")
        return self

    def timeout(self, seconds: Any) -> WorkflowBuilder:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
            raise ValidationError("Workflow.builder():timeout: pass seconds > 0")
        self._timeout = float(seconds)
        return self

    # steps
    def add_step(self, step: Any) -> WorkflowBuilder:
        index = len(self._steps) + len(self._then) + len(self._else) + 1
        self._steps.append(_step(step, index, "Workflow.builder():add_step"))
        return self

    step = add_step

    # conditional
    def condition(self, value: Any) -> WorkflowBuilder:
        self._condition = parse_condition(value, where="Workflow.builder():condition")
        return self

    def add_then_step(self, step: Any) -> WorkflowBuilder:
        self._then.append(_step(step, len(self._then) + 1, "add_then_step"))
        return self

    def add_else_step(self, step: Any) -> WorkflowBuilder:
        self._else.append(_step(step, len(self._else) + 1, "add_else_step"))
        return self

    def add_branch(self, first: Any, steps: Any = None) -> WorkflowBuilder:
        """Conditional: `(condition, steps)`. Parallel: `({name=, steps=})` or `(name, steps)`."""
        where = "Workflow.builder():add_branch"
        n = len(self._branches) + 1
        if isinstance(first, dict) and "steps" in first and steps is None:
            cond = first.get("condition")
            self._branches.append(
                Branch(
                    name=str(first.get("name") or f"branch_{n}"),
                    steps=_steps(first["steps"], where),
                    condition=None if cond is None else parse_condition(cond, where=where),
                    default=bool(first.get("default", False)),
                    required=first.get("required", True) is not False,
                )
            )
        elif isinstance(first, str):
            self._branches.append(Branch(name=first, steps=_steps(steps, where)))
        else:
            self._branches.append(
                Branch(
                    name=f"branch_{n}",
                    steps=_steps(steps, where),
                    condition=parse_condition(first, where=where),
                )
            )
        return self

    branch = add_branch

    def execute_all_matching(self, value: Any = True) -> WorkflowBuilder:
        self._all_matching = bool(value)
        return self

    # loop
    def with_range(self, value: Any) -> WorkflowBuilder:
        cap = self._loop.max_iterations
        self._loop = _range(value, "Workflow.builder():with_range")
        self._loop.max_iterations = cap
        self._loop_set = True
        return self

    def with_collection(self, value: Any) -> WorkflowBuilder:
        if value == {}:
            value = []
        if not isinstance(value, list):
            raise ValidationError("Workflow.builder():with_collection: pass a list of values")
        self._loop.kind, self._loop.values = "collection", list(value)
        self._loop_set = True
        return self

    def with_while(self, condition: Any) -> WorkflowBuilder:
        if not isinstance(condition, str) and not callable(condition):
            raise ValidationError("with_while: pass an expression string or a function")
        self._loop.kind, self._loop.condition = "while", condition
        self._loop_set = True
        return self

    loop_condition = with_while

    def max_iterations(self, value: Any) -> WorkflowBuilder:
        self._loop.max_iterations = _positive_int(value, "Workflow.builder():max_iterations")
        return self

    def break_condition(self, value: Any, message: Any = None) -> WorkflowBuilder:
        if isinstance(value, str) and message is not None:
            value = {"expression": value, "message": str(message)}
        self._loop.break_conditions.append(value)
        return self

    break_if = break_condition

    # parallel
    def max_concurrency(self, value: Any) -> WorkflowBuilder:
        self._max_concurrency = _positive_int(value, "Workflow.builder():max_concurrency")
        return self

    def build(self) -> WorkflowHandle:
        if self._kind is None:
            raise WorkflowError(
                "Workflow type not specified: call :sequential(), :parallel(), :conditional() "
                "or :loop() before :build()"
            )
        spec = WorkflowSpec(
            name=self._name or self._owner._default_name(),
            kind=self._kind,
            description=self._description,
            policy=error_policy(self._policy),
            timeout=self._timeout,
            max_concurrency=self._max_concurrency,
            execute_all_matching=self._all_matching,
        )
        if self._kind == "parallel":
            spec.branches = [
                Branch(name=s.name, steps=[s], required=s.required) for s in self._steps
            ]
            spec.branches += self._branches
        elif self._kind == "conditional":
            spec.steps = list(self._steps)
            if self._then or self._condition is not None:
                spec.branches.append(
                    Branch(name="then_branch", steps=list(self._then), condition=self._condition)
                )
            spec.branches += self._branches
            if self._else:
                spec.branches.append(
                    Branch(name="else_branch", steps=list(self._else), default=True)
                )
        else:
            spec.steps = list(self._steps)
            if self._kind == "loop":
                spec.loop = self._loop
        return self._owner._handle(self._owner._engine.create(spec))


class WorkflowHandle(ScriptObject):
    """A built workflow; `id`, `name`, `type` are fields."""

    def __init__(self, workflow: Workflow) -> None:
        self._workflow = workflow

    def script_fields(self) -> dict[str, Any]:
        return self._workflow.info()

    def execute(self, input: Any = None) -> dict[str, Any]:
        return self._workflow.execute(input).as_table()

    run = execute

    def get_info(self) -> dict[str, Any]:
        return self._workflow.info()

    def emit(self, event_type: str, data: Any = None) -> bool:
        """Publish an event on the bus (`Event.subscribe` sees it), correlated with this run."""
        self._workflow.emit(event_type, data)
        return True

    def get_execution_id(self) -> str:
        return self._last()

    def _last(self) -> str:
        exec_id = self._workflow.last_execution_id
        if exec_id is None:
            raise WorkflowError("No workflow execution found. Run execute() first.")
        return exec_id

    def _store(self) -> Any:
        state = self._workflow.engine.state
        return state() if state is not None else None

    def get_output(self, step: str) -> Any:
        exec_id = self._last()
        store = self._store()
        saved = store.load("workflow", f"{exec_id}:{step}") if store is not None else None
        if isinstance(saved, dict) and "output" in saved:
            return saved["output"]
        last = self._workflow.last_result
        return last.outputs().get(step) if last is not None else None

    def get_all_outputs(self) -> dict[str, Any]:
        self._last()
        last = self._workflow.last_result
        return last.outputs() if last is not None else {}

    def list_outputs(self) -> builtins.list[str]:
        exec_id = self._last()
        store = self._store()
        return store.list_keys(f"workflow:{exec_id}") if store is not None else []

    def clear_outputs(self) -> dict[str, int]:
        exec_id = self._last()
        store = self._store()
        deleted = store.clear(f"workflow:{exec_id}") if store is not None else 0
        return {"deleted": deleted}

    def set_shared_data(self, key: str, value: Any = None) -> bool:
        if not isinstance(key, str) or not key:
            raise ValidationError("set_shared_data: the key must be a non-empty string")
        self._workflow.shared_data[key] = value
        return True

    def get_shared_data(self, key: str | None = None) -> Any:
        if key is None:
            return dict(self._workflow.shared_data)
        return self._workflow.shared_data.get(key)

    def get_state(self, key: str) -> Any:
        store = self._store()
        return store.load("workflow", f"{self._workflow.id}:state:{key}") if store else None

    def set_state(self, key: str, value: Any = None) -> bool:
        store = self._store()
        if store is None:
            return False
        store.save("workflow", f"{self._workflow.id}:state:{key}", value)
        return True

    def validate(self) -> dict[str, Any]:
        return self._workflow.validate()

    def get_metrics(self) -> dict[str, Any]:
        return self._workflow.metrics.as_table(self._workflow.last_execution_id)

    def debug(self) -> dict[str, Any]:
        spec = self._workflow.spec
        return {
            **self._workflow.info(),
            "steps": [s.name for s in spec.all_steps()],
            "branches": [b.name for b in spec.branches],
            "error_strategy": spec.policy.strategy,
            "timeout_ms": spec.timeout * 1000 if spec.timeout else None,
            "max_concurrency": spec.max_concurrency,
        }

    def _hook(self, where: str, target: builtins.list[Any], fn: Any) -> dict[str, Any]:
        if not callable(fn):
            raise ValidationError(f"{where}: pass a function, got {script_type(fn)}")
        target.append(fn)
        return {"success": True, "workflow_id": self._workflow.id, "hook": where}

    def on_before_execute(self, fn: Any) -> dict[str, Any]:
        return self._hook("on_before_execute", self._workflow.before, fn)

    def on_after_execute(self, fn: Any) -> dict[str, Any]:
        return self._hook("on_after_execute", self._workflow.after, fn)

    def on_error(self, fn: Any) -> dict[str, Any]:
        return self._hook("on_error", self._workflow.on_error, fn)


class WorkflowGlobal(ScriptGlobal):
    name = "Workflow"

    def __init__(self, engine: WorkflowEngine) -> None:
        self._engine = engine
        self._handles: dict[str, WorkflowHandle] = {}
        self._debug = False

    def _handle(self, workflow: Workflow) -> WorkflowHandle:
        handle = self._handles.get(workflow.id)
        if handle is None:
            handle = self._handles[workflow.id] = WorkflowHandle(workflow)
        return handle

    def _default_name(self) -> str:
        import uuid

        return f"workflow_{uuid.uuid4().hex[:8]}"

    def builder(self) -> WorkflowBuilder:
        return WorkflowBuilder(self)

    # table constructors
    def _common(self, config: Any, kind: str) -> tuple[dict[str, Any], WorkflowSpec]:
        where = f"Workflow.{kind}"
        if not isinstance(config, dict):
            raise ValidationError(
                f"{where}: pass a table {{name=, ...}}, got {script_type(config)}"
            )
        spec = WorkflowSpec(
            name=str(config.get("name") or self._default_name()),
            kind=kind,
            description=str(config.get("description") or ""),
            policy=error_policy(config.get("error_strategy"), where=f"{where} error_strategy"),
            timeout=_ms(config.get("timeout_ms"), f"{where} timeout_ms"),
        )
        if config.get("max_concurrency") is not None:
            spec.max_concurrency = _positive_int(config["max_concurrency"], where)
        return config, spec

    def sequential(self, config: Any) -> WorkflowHandle:
        config, spec = self._common(config, "sequential")
        spec.steps = _steps(config.get("steps"), "Workflow.sequential")
        return self._handle(self._engine.create(spec))

    def parallel(self, config: Any) -> WorkflowHandle:
        config, spec = self._common(config, "parallel")
        spec.branches = _parallel_branches(config, "Workflow.parallel")
        return self._handle(self._engine.create(spec))

    def conditional(self, config: Any) -> WorkflowHandle:
        config, spec = self._common(config, "conditional")
        where = "Workflow.conditional"
        spec.steps = _steps(config.get("steps"), where)
        spec.execute_all_matching = bool(config.get("execute_all_matching", False))
        default = config.get("default_branch")
        for i, item in enumerate(config.get("branches") or [], start=1):
            if not isinstance(item, dict):
                raise ValidationError(f"{where}: each branch is a table {{condition=, steps=}}")
            name = str(item.get("name") or f"branch_{i}")
            cond = item.get("condition")
            spec.branches.append(
                Branch(
                    name=name,
                    steps=_steps(item.get("steps"), where),
                    condition=None if cond is None else parse_condition(cond, where=where),
                    default=bool(item.get("default")) or default == name,
                )
            )
        if isinstance(default, dict | builtins.list):
            spec.branches.append(Branch(name="default", steps=_steps(default, where), default=True))
        if config.get("condition") is not None and spec.branches:
            first = spec.branches[0]
            first.condition = parse_condition(config["condition"], where=where)
        return self._handle(self._engine.create(spec))

    def loop(self, config: Any) -> WorkflowHandle:
        config, spec = self._common(config, "loop")
        where = "Workflow.loop"
        it = config.get("iterator")
        if not isinstance(it, dict):
            raise ValidationError(
                f"{where}: `iterator` must be {{range={{...}}}}, {{collection={{...}}}} "
                "or {while_condition=...}"
            )
        if it.get("range") is not None:
            lp = _range(it["range"], where)
        elif it.get("collection") is not None:
            values = it["collection"]
            lp = LoopSpec(kind="collection", values=[] if values == {} else list(values))
        elif it.get("while_condition") is not None or it.get("condition") is not None:
            lp = LoopSpec(kind="while", condition=it.get("while_condition", it.get("condition")))
        else:
            raise ValidationError(
                f"{where}: the iterator needs range, collection or while_condition"
            )
        cap = it.get("max_iterations", config.get("max_iterations"))
        if cap is not None:
            lp.max_iterations = _positive_int(cap, where)
        breaks = config.get("break_conditions") or []
        lp.break_conditions = breaks if isinstance(breaks, builtins.list) else [breaks]
        spec.loop = lp
        spec.steps = _steps(config.get("body", config.get("steps")), where)
        return self._handle(self._engine.create(spec))

    # registry
    def register(self, kind: Any, config: Any = None) -> str:
        """`Workflow.register(type, {name?, steps?, ...})`: the new workflow's id."""
        if isinstance(kind, dict) and config is None:
            config, kind = kind, kind.get("type")
        constructors = {
            "sequential": self.sequential,
            "parallel": self.parallel,
            "conditional": self.conditional,
            "loop": self.loop,
        }
        if kind not in constructors:
            raise ValidationError(f"Workflow.register: Unknown workflow type: {kind!r}")
        table = dict(config or {})
        if kind == "loop" and "iterator" not in table:
            table["iterator"] = {"range": {"start": 1, "end": 2}}
        return constructors[kind](table).script_fields()["id"]

    def list(self) -> builtins.list[dict[str, Any]]:
        found = self._engine.list()
        if not found:
            return []
        return [{"id": w.id, "name": w.name, "type": w.kind} for w in found]

    def get(self, key: str) -> WorkflowHandle | None:
        found = self._engine.get(key)
        return self._handle(found) if found is not None else None

    def remove(self, key: str) -> bool:
        found = self._engine.get(key)
        if found is not None:
            self._handles.pop(found.id, None)
        return self._engine.remove(key)

    delete = remove

    def clear(self) -> int:
        self._handles.clear()
        return self._engine.clear()

    def types(self) -> builtins.list[str]:
        return self._engine.types()

    def type_info(self) -> builtins.list[dict[str, Any]]:
        return self._engine.type_info()

    def enableDebug(self, value: Any = True) -> bool:
        self._debug = bool(value)
        return self._debug

    def isDebugEnabled(self) -> bool:
        return self._debug
