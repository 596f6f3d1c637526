-- rag-search.lua: ingest a few passages and answer questions by semantic search.
-- Offline: the bundled local embedder (all-MiniLM-L6-v2) runs on this machine, no API key.
--   LLMSPELL_RAG_ENABLED=true llmspell run examples/rag-search.lua
local passages = {
  { id = "espresso", topic = "cooking",
    text = "Espresso is brewed by forcing hot water through finely ground coffee under about "
        .. "nine bars of pressure, which takes twenty to thirty seconds per shot." },
  { id = "photosynthesis", topic = "biology",
    text = "Plants capture sunlight in their leaves and turn water and carbon dioxide into "
        .. "sugar, releasing oxygen as a by-product." },
  { id = "offside", topic = "sport",
    text = "A football player is offside when, as the ball is passed to them, they are nearer "
        .. "the opponents' goal line than both the ball and the second-last defender." },
  { id = "dns", topic = "computing",
    text = "The Domain Name System translates names such as example.com into the numeric IP "
        .. "addresses that computers use to find each other on the network." },
  { id = "altitude", topic = "physics",
    text = "At high altitude the air pressure is lower, so water boils below 100 degrees "
        .. "Celsius and pasta takes longer to cook." },
  { id = "index-funds", topic = "finance",
    text = "An index fund buys every stock in a market index, giving broad diversification "
        .. "with very low fees compared with actively managed funds." },
  { id = "berlin-wall", topic = "history",
    text = "The Berlin Wall divided the city from 1961 until November 1989, when crowds "
        .. "crossed the opened border crossings and began tearing it down." },
  { id = "guitar", topic = "music",
    text = "Standard guitar tuning from the lowest string to the highest is E, A, D, G, B "
        .. "and E; a clip-on tuner makes it quick." },
}

local docs = {}
for i, p in ipairs(passages) do
  docs[i] = { id = p.id, content = p.text, metadata = { topic = p.topic } }
end
local ingested = RAG.ingest(docs, { collection = "rag-demo" })
print(("ingested %d passages as %d chunks"):format(ingested.documents_processed,
  ingested.vectors_created))

local questions = {
  "Why does cooking take longer in the mountains?",
  "How do computers look up the address of a website?",
  "What is a cheap way to invest in the whole stock market?",
}
for _, question in ipairs(questions) do
  local results = RAG.search(question, { k = 2, collection = "rag-demo" })
  print(("\nQ: %s"):format(question))
  for rank, hit in ipairs(results) do
    print(("  %d. [%.2f] %s (%s)"):format(rank, hit.score, hit.document_id,
      hit.metadata.topic))
  end
  print(("  -> %s"):format(results[1].text))
end

-- A metadata filter and the table call form: only passages about history.
local history = RAG.search{ query = "when did the division of the city end?",
  top_k = 1, collection = "rag-demo", metadata_filter = { topic = "history" } }
print(("\nfiltered (%d hit): %s"):format(history.total, history[1].document_id))
