-- A spell that tries to run a shell command: the default 'safe' level refuses.
print("about to spawn")
local ok, err = pcall(os.execute, "echo caught")
print("caught:", ok)
os.execute("echo uncaught")
print("never printed")
