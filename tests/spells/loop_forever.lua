-- A spell that never ends: the time limit stops it, and pcall cannot swallow the stop.
print("looping")
local n = 0
local function spin()
  while true do
    n = n + 1
  end
end
while true do
  pcall(spin)
end
