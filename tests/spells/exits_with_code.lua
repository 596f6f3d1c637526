-- os.exit(n) ends the spell with exit code n, after the output so far is flushed.
local function finish(code)
  io.write("partial line, no newline")
  os.exit(code)
end
print("working")
finish(tonumber(ARGS.code or "3"))
print("never printed")
