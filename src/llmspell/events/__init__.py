"""The event bus: typed events, glob subscriptions (`user.*`, `*.error`, `**`), bounded queues.

```python
from llmspell.events import EventBus

bus = EventBus(config.events)
sid = bus.subscribe("workflow.**")
bus.publish("workflow.step.done", {"step": 1})
bus.receive(sid, timeout_seconds=0.5).data      # {"step": 1}
```
"""

from __future__ import annotations

from llmspell.events.bus import EVENT_SCOPE, EventBus, EventCallback
from llmspell.events.event import Event
from llmspell.events.pattern import Matcher, compile_pattern

__all__ = ["EVENT_SCOPE", "Event", "EventBus", "EventCallback", "Matcher", "compile_pattern"]
