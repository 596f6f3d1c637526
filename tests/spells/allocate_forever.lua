-- A spell that allocates without bound: the memory limit stops it.
print("allocating")
local hoard = {}
while true do
  hoard[#hoard + 1] = string.rep("x", 4096) .. #hoard
end
