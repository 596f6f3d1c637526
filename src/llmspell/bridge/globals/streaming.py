"""`Streaming`: coroutine-backed streams, pulled one value at a time.

```lua
local stream = Streaming.create(function()
  for i = 1, 3 do Streaming.yield("chunk " .. i) end   -- or coroutine.yield(...)
end)
while not stream:isDone() do
  local chunk = stream:next()      -- the next value; nil once the generator has finished
  if chunk then print(chunk) end
end
local all = Streaming.create(gen):collect()             -- every non-nil value, in order
```

The generator runs as a real Lua coroutine, so it is suspended between `next` calls: values are
produced lazily and an infinite generator is fine as long as the caller stops pulling. As in
the original, `next` returns whatever the generator yields or finally returns (usually nil)
and marks the stream done once the coroutine has finished; an error in the generator ends the
stream and is raised by `next` (and `collect`). `Streaming.yield(v)` is `coroutine.yield(v)`
when the caller may yield, and a no-op (nil) otherwise: outside a stream, or inside a Lua
callback that a Python global is running (Lua cannot yield across that boundary), where
`coroutine.yield` itself would raise.

The stream and both functions are Lua (a small helper chunk compiled once per engine), so
pulling a value never crosses into Python; the time limit applies inside the generator because
`coroutine.create` is the runtime's hooked version. Streams need the `coroutine` library:
with `engines.lua.stdlib = "none"`, `Streaming.create` raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmspell.bridge.globals.base import ScriptGlobal

if TYPE_CHECKING:
    from llmspell.bridge.lua.engine import LuaEngine

HELPER = r"""
local co = coroutine
local co_create = co and co.create
local co_resume, co_status = co and co.resume, co and co.status
local co_yield, co_yieldable = co and co.yield, co and co.isyieldable
local type, error, getmetatable, setmetatable, select = type, error, getmetatable, setmetatable,
  select

local STREAM_MT = {
  __name = "Stream",
  __metatable = "Stream",
  __tostring = function() return "Stream" end,
}

local function create(a1, ...)
  local fn = a1
  if getmetatable(a1) == "Streaming" and select("#", ...) > 0 then fn = ... end
  if type(fn) ~= "function" then
    error("Streaming.create: the argument must be a function, got " .. type(fn), 2)
  end
  if co_create == nil then
    error("Streaming.create needs the coroutine library (engines.lua.stdlib)", 2)
  end
  local thread = co_create(fn)
  local stream = { done = false }
  local function next_value()
    if stream.done then return nil end
    local ok, value = co_resume(thread)
    if not ok then
      stream.done = true
      error(value, 0)
    end
    if co_status(thread) == "dead" then stream.done = true end
    return value
  end
  stream.next = next_value
  stream.isDone = function() return stream.done end
  stream.collect = function()
    local out, n = {}, 0
    while not stream.done do
      local value = next_value()
      if value ~= nil then
        n = n + 1
        out[n] = value
      end
    end
    return out
  end
  return setmetatable(stream, STREAM_MT)
end

local function yield(...)
  if getmetatable((...)) == "Streaming" then return yield(select(2, ...)) end
  if co_yield ~= nil and co_yieldable() then return co_yield(...) end
  return nil
end

return create, yield
"""


class StreamingGlobal(ScriptGlobal):
    name = "Streaming"

    def __init__(self, engine: LuaEngine) -> None:
        create, yield_ = engine.execute(HELPER, chunk_name="=llmspell streaming")
        self._fields = {"create": create, "yield": yield_}

    def script_fields(self) -> dict[str, Any]:
        return self._fields
