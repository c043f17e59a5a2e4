-- Search (docs/api.md, "Search"; src/search/).
--
-- Substrings of scripts written without spaces (Chinese, Japanese, Thai…) are found through a
-- GIN trigram index, which needs pg_trgm (a trusted extension: the database owner may create
-- it; PGlite loads it in src/store/pglite.ts).
--
-- The search column and indexes themselves are not made here: the column depends on
-- PARLEY_SEARCH_LANGUAGE and all of it on PARLEY_SEARCH_INDEX, so every node brings them in
-- line with its settings at start (ensureSearchIndexes in src/search/search.sql.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
