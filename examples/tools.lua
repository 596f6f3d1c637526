-- tools.lua: several built-in tools chained, offline.
--   llmspell run examples/tools.lua
-- File tools work inside tools.file_operations.allowed_paths (default: /tmp).
local dir = ARGS.dir or ("/tmp/llmspell-tools-demo-" .. Tool.invoke("uuid_generator",
  { operation = "component_id", prefix = "run" }).result.short)

-- 1. Write a small CSV file.
local csv = "name,team,score\nada,red,91\nbob,blue,78\ncyd,red,85\ndee,blue,94\n"
local wrote = Tool.invoke("file_operations", { operation = "write", path = dir .. "/scores.csv",
  content = csv })
print(wrote.text)

-- 2. Analyse it and convert it to JSON.
local stats = Tool.invoke("csv_analyzer", { operation = "analyze", file = dir .. "/scores.csv" })
print(("rows: %d, columns: %d"):format(stats.result.row_count, stats.result.column_count))
local converted = Tool.invoke("file_converter", { operation = "convert",
  source_path = dir .. "/scores.csv", target_path = dir .. "/scores.json",
  input_format = "csv", output_format = "json" })
print(converted.text)

-- 3. Query the JSON with jq: the red team's best score.
local json_text = Tool.invoke("file_operations", { operation = "read",
  path = dir .. "/scores.json" }).text
local best = Tool.invoke("json_processor", { operation = "query", input = json_text,
  query = '[.[] | select(.team == "red") | .score | tonumber] | max' })
print("best red score: " .. best.text)

-- 4. Compute with the calculator, hash the file, and render a report template.
local avg = Tool.invoke("calculator", { input = "(91 + 78 + 85 + 94) / 4" })
local digest = Tool.invoke("hash_calculator", { operation = "hash", algorithm = "sha256",
  file = dir .. "/scores.csv" })
local report = Tool.invoke("template_engine", {
  template = "Scores report\naverage: {{ avg }}\nsha256: {{ hash[:16] }}...\n",
  context = { avg = avg.result.result, hash = digest.result.hash },
})
print(report.text)

-- 5. Archive the folder and list what went in.
Tool.invoke("archive_handler", { operation = "create", format = "zip",
  archive_path = dir .. "/bundle.zip", files = { dir .. "/scores.csv", dir .. "/scores.json" } })
local listing = Tool.invoke("archive_handler", { operation = "list",
  archive_path = dir .. "/bundle.zip" })
for _, entry in ipairs(listing.result.files) do print("  bundled: " .. entry.name) end

-- 6. Refusals are errors a spell can catch.
local ok, err = pcall(Tool.invoke, "file_operations", { operation = "read", path = "/etc/passwd" })
print("reading /etc/passwd refused: " .. tostring(not ok))
print("  " .. err)

Tool.invoke("file_operations", { operation = "delete", path = dir, recursive = true })
return { average = avg.result.result, best_red = tonumber(best.text) }
