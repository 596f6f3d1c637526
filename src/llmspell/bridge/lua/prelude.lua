-- llmspell prelude: runs once per engine, before any spell, with the full standard library.
-- It keeps private references to what the sandbox removes, binds Python globals, installs the
-- limit hook and the output functions, and returns the engine's private API.
local host, opts = ...

local type, select, error, tostring, rawget, rawset, setmetatable, getmetatable, pairs, ipairs =
  type, select, error, tostring, rawget, rawset, setmetatable, getmetatable, pairs, ipairs
local xpcall, next = xpcall, next
local concat, pack, unpack = table.concat, table.pack, table.unpack
local real_load, real_loadfile = load, loadfile
local sethook, getinfo, getlocal, traceback = debug.sethook, debug.getinfo, debug.getlocal,
  debug.traceback
local co_create, co_resume, co_wrap_close = coroutine.create, coroutine.resume, coroutine.close
local real_io, real_os, real_string_dump = io, os, string.dump
local real_require, real_package = require, package

local ERR, MULTI, ABORT = {}, {}, {}
local tick, write_out, write_err = host.tick, host.write_out, host.write_err
local check_path, request_exit = host.check_path, host.request_exit

---------------------------------------------------------------------------------------------
-- Binding: Python objects become tables whose methods accept both `o:m()` and `o.m()`.
---------------------------------------------------------------------------------------------
-- An instance table keeps its Python object under a private key, so converting the table
-- back to Python finds it without a second call into Lua.
local OBJ = {}

local function make_class(name, methods, fallback)
  local mt = { __name = name, __metatable = name }
  mt.__index = function(t, k)
    local pyfn = methods[k]
    if pyfn == nil then
      -- `script_index` answers other keys (e.g. `Tool.calculator`); answers are not cached.
      if fallback == nil or type(k) ~= "string" then return nil end
      local r, e = fallback(rawget(t, OBJ), k)
      if r == ERR then error(e, 2) end
      return r
    end
    local obj = rawget(t, OBJ)
    local f = function(a1, ...)
      local r, e
      if a1 == t then
        r, e = pyfn(obj, ...)
      elseif a1 == nil and select("#", ...) == 0 then
        r, e = pyfn(obj)
      else
        r, e = pyfn(obj, a1, ...)
      end
      if r == ERR then error(e, 2) end
      if r == MULTI then return unpack(e, 1, e.n) end
      return r
    end
    rawset(t, k, f)
    return f
  end
  mt.__tostring = function() return name end
  return mt
end

-- One table per live Python object (keyed by its id), so `b:add(x) == b` holds for builders.
local tables_by_id = setmetatable({}, { __mode = "v" })

local function new_object(mt, obj, fields, eager_names, id)
  local known = tables_by_id[id]
  if known ~= nil then return known end
  local t = fields or {}
  tables_by_id[id] = t
  rawset(t, OBJ, obj)
  setmetatable(t, mt)
  if eager_names then
    for _, k in ipairs(eager_names) do local _ = t[k] end
  end
  return t
end

-- A lazy global is an empty table until a script first touches it; then Python builds the real
-- object and fills this same table in place, so references taken earlier stay valid.
local function lazy_global(name, materialize)
  local t = {}
  local function build(self)
    setmetatable(self, nil)
    materialize(name)
  end
  return setmetatable(t, {
    __index = function(self, k) build(self); return self[k] end,
    __newindex = function(self, k, v) build(self); self[k] = v end,
    __pairs = function(self) build(self); return next, self, nil end,
    __tostring = function() return name end,
  })
end

local function fill(t, mt, obj, fields, eager_names)
  rawset(t, OBJ, obj)
  if fields then
    for k, v in next, fields do rawset(t, k, v) end
  end
  setmetatable(t, mt)
  for _, k in ipairs(eager_names) do local _ = t[k] end
  return t
end

local function multi(...)
  return { n = select("#", ...), ... }
end

---------------------------------------------------------------------------------------------
-- Limits: a count hook asks Python whether the run must stop (deadline, os.exit, interrupt).
-- Once it must, the hook fires on every instruction so `pcall` cannot swallow the stop.
---------------------------------------------------------------------------------------------
local HOOK_COUNT = 1000
local note_stop = host.note_stop
local function hook()
  if tick() then
    local info = getinfo(2, "Sl")
    if info then note_stop(info.short_src, info.currentline) end
    sethook(hook, "", 1)
    error(ABORT, 0)
  end
end

local function arm() sethook(hook, "", HOOK_COUNT) end
local function disarm() sethook() end

-- Lua function hooks are per coroutine: every coroutine a spell creates gets the hook too.
local function hooked_create(f)
  local co = co_create(f)
  sethook(co, hook, "", HOOK_COUNT)
  return co
end

local function hooked_wrap(f)
  local co = hooked_create(f)
  return function(...)
    local r = pack(co_resume(co, ...))
    if r[1] then return unpack(r, 2, r.n) end
    if co_wrap_close then co_wrap_close(co) end
    error(r[2], 0)
  end
end
coroutine.create, coroutine.wrap = hooked_create, hooked_wrap

---------------------------------------------------------------------------------------------
-- Output: print and io.write stream through Python sinks.
---------------------------------------------------------------------------------------------
local function print(...)
  local n = select("#", ...)
  if n == 1 then
    write_out(tostring((...)) .. "\n")
    return
  end
  local parts = pack(...)
  for i = 1, n do parts[i] = tostring(parts[i]) end
  write_out(concat(parts, "\t", 1, n) .. "\n")
end

local function join_writes(fname, ...)
  local n = select("#", ...)
  local parts = pack(...)
  for i = 1, n do
    local v = parts[i]
    local tv = type(v)
    if tv == "number" then
      parts[i] = tostring(v)
    elseif tv ~= "string" then
      error("bad argument #" .. i .. " to '" .. fname .. "' (string expected, got " .. tv .. ")", 3)
    end
  end
  return concat(parts, "", 1, n)
end

local function console_file(name, writer)
  local f = {}
  local mt = { __name = "FILE*", __tostring = function() return "file (" .. name .. ")" end }
  mt.__index = {
    write = function(self, ...) writer(join_writes("write", ...)); return self end,
    flush = function(self) return self end,
    close = function() return nil, "cannot close standard file" end,
    setvbuf = function() return true end,
    lines = function() error("cannot read from " .. name, 2) end,
    read = function() return nil, "cannot read from " .. name end,
    seek = function() return nil, "cannot seek on " .. name end,
  }
  return setmetatable(f, mt)
end

local stdout = console_file("stdout", write_out)
local stderr = console_file("stderr", write_err)

---------------------------------------------------------------------------------------------
-- Sandbox: what a spell may touch depends on the security level.
---------------------------------------------------------------------------------------------
local level = opts.level
local offers_spawn = level ~= "safe" and opts.allow_spawn

local function checked(path, mode, fname)
  if type(path) ~= "string" then return path end
  local refusal = check_path(path, mode)
  if refusal then error(fname .. ": " .. refusal, 3) end
  return path
end

local function is_write_mode(mode)
  return mode ~= nil and (mode:find("[wa+]") ~= nil)
end

local function refuse(what, why)
  return function() error(what .. " is not available: " .. why, 2) end
end

-- lupa's Lua is built without popen; commands run through Python instead, with the same API.
local function memory_file(data, how, code)
  local pos = 1
  local f = {}
  local function read_one(fmt)
    if type(fmt) == "number" then
      if pos > #data then return nil end
      local s = data:sub(pos, pos + fmt - 1); pos = pos + #s; return s
    end
    fmt = (fmt or "l"):gsub("^%*", "")
    if fmt:sub(1, 1) == "a" then local s = data:sub(pos); pos = #data + 1; return s end
    if fmt:sub(1, 1) == "n" then
      local s, e = data:find("^%s*[-+]?[%d%.xXa-fA-FpP]+", pos)
      if not s then return nil end
      local n = tonumber(data:sub(s, e)); pos = e + 1; return n
    end
    if pos > #data then return nil end
    local nl = data:find("\n", pos, true)
    local line = data:sub(pos, nl or #data)
    pos = (nl or #data) + 1
    if fmt:sub(1, 1) == "l" then line = line:gsub("\n$", "") end
    return line
  end
  function f:read(...)
    local n = select("#", ...)
    if n == 0 then return read_one("l") end
    local out = {}
    for i = 1, n do out[i] = read_one((select(i, ...))) end
    return unpack(out, 1, n)
  end
  function f:lines(fmt) return function() return read_one(fmt) end end
  function f:close() return code == 0 or nil, how, code end
  function f:flush() return self end
  function f:write() return nil, "file was opened for reading" end
  return setmetatable(f, { __name = "FILE*", __tostring = function() return "file (popen)" end })
end

local function python_popen(cmd, mode)
  mode = mode or "r"
  if mode:find("w") then
    local parts = {}
    local f = {}
    function f:write(...) parts[#parts + 1] = join_writes("write", ...); return self end
    function f:flush() return self end
    function f:close()
      local _, how, code = host.run_command(cmd, concat(parts))
      return code == 0 or nil, how, code
    end
    return setmetatable(f, { __name = "FILE*" })
  end
  return memory_file(host.run_command(cmd, nil))
end

local spawn_refusal = level == "safe"
    and "the security level is 'safe'. Set `engines.lua.security_level = \"privileged\"` and "
      .. "`runtime.security.allow_process_spawn = true` in llmspell.toml to allow it"
  or "`runtime.security.allow_process_spawn` is false in llmspell.toml"

local text_mode = level ~= "unrestricted"

local function safe_load(chunk, name, mode, env)
  if text_mode then mode = "t" end
  if env == nil then return real_load(chunk, name, mode) end
  return real_load(chunk, name, mode, env)
end

local function safe_loadfile(path, mode, env)
  if path == nil then error("loadfile: reading a chunk from standard input is not allowed", 2) end
  checked(path, "r", "loadfile")
  if text_mode then mode = "t" end
  if env == nil then return real_loadfile(path, mode) end
  return real_loadfile(path, mode, env)
end

local function safe_dofile(path)
  local fn, err = safe_loadfile(path)
  if not fn then error(err, 2) end
  return fn()
end

local io_t = real_io
local os_t = real_os
local current_output = stdout

if level ~= "unrestricted" then
  local real_open, real_lines, real_close, real_type = real_io.open, real_io.lines,
    real_io.close, real_io.type
  io_t = {
    open = function(path, mode)
      checked(path, is_write_mode(mode) and "w" or "r", "io.open")
      return real_open(path, mode)
    end,
    lines = function(path, ...)
      if path == nil then return real_io.stdin:lines(...) end
      checked(path, "r", "io.lines")
      return real_lines(path, ...)
    end,
    read = function(...) return real_io.stdin:read(...) end,
    write = function(...)
      if current_output == stdout then write_out(join_writes("write", ...)); return stdout end
      return current_output:write(...)
    end,
    close = function(f)
      if f == nil or f == stdout or f == stderr then return true end
      return real_close(f)
    end,
    type = function(f)
      if f == stdout or f == stderr then return "file" end
      return real_type(f)
    end,
    output = function(f)
      if f == nil then return current_output end
      if type(f) == "string" then
        checked(f, "w", "io.output")
        current_output = assert(real_open(f, "w"))
      else
        current_output = f
      end
      return current_output
    end,
    input = function(f)
      if type(f) == "string" then checked(f, "r", "io.input") end
      return real_io.input(f)
    end,
    tmpfile = real_io.tmpfile,
    stdin = real_io.stdin,
    stdout = stdout,
    stderr = stderr,
    popen = offers_spawn and python_popen or refuse("io.popen", spawn_refusal),
  }
  os_t = {
    clock = real_os.clock,
    date = real_os.date,
    difftime = real_os.difftime,
    time = real_os.time,
    getenv = real_os.getenv,
    tmpname = real_os.tmpname,
    remove = function(path)
      checked(path, "w", "os.remove")
      return real_os.remove(path)
    end,
    rename = function(from, to)
      checked(from, "w", "os.rename")
      checked(to, "w", "os.rename")
      return real_os.rename(from, to)
    end,
    setlocale = function(locale, category)
      if locale ~= nil then
        error("os.setlocale: changing the process locale is not allowed; query it with "
          .. "os.setlocale()", 2)
      end
      return real_os.setlocale(nil, category)
    end,
    execute = offers_spawn and real_os.execute or refuse("os.execute", spawn_refusal),
  }
else
  io_t = setmetatable({ write = function(...)
    if current_output == stdout then write_out(join_writes("write", ...)); return stdout end
    return current_output:write(...)
  end, stdout = stdout, stderr = stderr, popen = python_popen }, { __index = real_io })
  os_t = setmetatable({}, { __index = real_os })
  if not opts.allow_spawn then
    io_t.popen = refuse("io.popen", spawn_refusal)
    os_t.execute = refuse("os.execute", spawn_refusal)
  end
end

os_t.exit = function(code)
  if code == nil or code == true then code = 0 elseif code == false then code = 1 end
  if math.type(code) ~= "integer" then
    error("bad argument #1 to 'exit' (integer or boolean expected)", 2)
  end
  request_exit(code)
  sethook(hook, "", 1)
  error(ABORT, 0)
end

io = io_t
os = os_t
-- lupa's helper table would let a spell reach Python objects and handlers.
python = nil
_G.print = print

if level ~= "unrestricted" then
  load, loadfile, dofile = safe_load, safe_loadfile, safe_dofile
  string.dump = nil
  -- `require` finds Lua files only, inside the readable roots.
  local searchpath = real_package.searchpath
  local preload = real_package.searchers[1]
  local function lua_searcher(name)
    local path, err = searchpath(name, real_package.path)
    if not path then return "\n\t" .. err end
    local refusal = check_path(path, "r")
    if refusal then return "\n\t" .. refusal end
    local fn, lerr = real_loadfile(path, "t")
    if not fn then error(lerr, 3) end
    return fn, path
  end
  real_package.searchers = { preload, lua_searcher }
  real_package.cpath = ""
  real_package.loadlib = nil
  real_package.path = opts.package_path
  if level == "privileged" then
    debug = { traceback = traceback }
  else
    debug = nil
  end
else
  local dbg = {}
  for k, v in pairs(debug) do dbg[k] = v end
  dbg.sethook = refuse("debug.sethook", "the runtime's time limit uses the hook")
  debug = dbg
end

-- `engines.lua.stdlib` trims whole libraries on top of the security level.
if opts.stdlib == "basic" or opts.stdlib == "none" then
  io, package, require, dofile, loadfile, debug = nil, nil, nil, nil, nil, nil
  os = { clock = os_t.clock, date = os_t.date, difftime = os_t.difftime, time = os_t.time,
    exit = os_t.exit }
  if opts.stdlib == "none" then
    string, table, math, utf8, coroutine = nil, nil, nil, nil, nil
  end
end

---------------------------------------------------------------------------------------------
-- Running chunks and reading the stack.
---------------------------------------------------------------------------------------------
local function handler(e)
  if e == ABORT then return ABORT end
  local te, msg = type(e), nil
  if te == "string" then
    msg = e
  elseif te == "number" then
    msg = tostring(e)
  else
    local mt = getmetatable(e)
    if te == "table" and mt and mt.__tostring then
      msg = tostring(e)
    elseif te == "userdata" then
      return { value = e, traceback = traceback("", 2) }
    else
      msg = "(error object is a " .. te .. " value)"
    end
  end
  return { message = msg, traceback = traceback("", 2) }
end

local function run(fn, ...)
  return xpcall(fn, handler, ...)
end

local function compile(code, chunkname)
  return real_load(code, chunkname, "t")
end

local function frames(max_depth, with_locals)
  local out = {}
  local lvl = 2
  while #out < max_depth do
    local info = getinfo(lvl, "nSl")
    if not info then break end
    if info.what ~= "C" and info.source:sub(1, 9) ~= "=llmspell" then
      local frame = {
        ["function"] = info.name or (info.what == "main" and "main chunk") or "?",
        source = info.short_src,
        line = info.currentline,
      }
      if with_locals then
        local locals, i = {}, 1
        while true do
          local name, value = getlocal(lvl, i)
          if not name then break end
          if name:sub(1, 1) ~= "(" then locals[name] = tostring(value) end
          i = i + 1
        end
        frame.locals = locals
      end
      out[#out + 1] = frame
    end
    lvl = lvl + 1
  end
  return out
end

return {
  ERR = ERR,
  MULTI = MULTI,
  ABORT = ABORT,
  make_class = make_class,
  new_object = new_object,
  lazy_global = lazy_global,
  fill = fill,
  multi = multi,
  arm = arm,
  disarm = disarm,
  run = run,
  compile = compile,
  frames = frames,
  stdout = stdout,
}
