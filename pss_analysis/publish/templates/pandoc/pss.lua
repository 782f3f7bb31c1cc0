-- pss-analysis: the Lua filter pandoc runs when the built-in renderer writes Word and PDF.
--
-- 1. Raw HTML blocks (the report's tables, with a caption and a header row, and its
--    figures, with a caption and alt text) are read into pandoc's own tables and figures,
--    so Word gets real tables with a repeating header row and pictures with alt text.
-- 2. Typst (PDF):
--    - images are written as image(..., alt: "...") so the PDF carries the alt text
--      (pandoc's Typst writer leaves it out);
--    - identifiers, paths and checksums in table cells get break opportunities (a
--      zero-width space after "_" and "/", and every CHUNK characters of a long run), so
--      narrow columns wrap instead of overflowing;
--    - a table too wide for a portrait page is set on a landscape page: wide means that
--      its columns' longest texts (each counted up to COLUMN_CAP characters) add up to
--      more than WIDE_TABLE characters (at 7.5 pt, about what fits across A4 portrait).
-- 3. Word: a page break before the text (title page, contents, then the report).

local WIDE_TABLE = 150  -- characters across
local COLUMN_CAP = 30   -- characters a column counts for at most (longer text wraps)
local LONG_RUN = 20    -- characters without a break opportunity before one is added
local CHUNK = 10
local ZWSP = "\u{200B}"

local function read_html(el)
  if el.format == "html" then
    return pandoc.read(el.text, "html").blocks
  end
end

local function typst_string(s)
  s = s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("%s+", " ")
  return '"' .. s .. '"'
end

local function typst_image(img)
  return pandoc.RawInline("typst", string.format("#image(%s, width: 100%%, alt: %s)",
    typst_string(img.src), typst_string(pandoc.utils.stringify(img.caption))))
end

local function breakable(str)
  local out, run = {}, 0
  for _, code in utf8.codes(str.text) do
    local char = utf8.char(code)
    out[#out + 1] = char
    run = run + 1
    if char == "_" or char == "/" then
      out[#out + 1] = ZWSP
      run = 0
    elseif run >= LONG_RUN and run % CHUNK == 0 then
      out[#out + 1] = ZWSP
    end
  end
  local text = table.concat(out)
  if text ~= str.text then
    return pandoc.Str(text)
  end
end

local function width(tbl)
  local longest = {}
  local function measure(rows)
    for _, row in ipairs(rows) do
      for i, cell in ipairs(row.cells) do
        local n = utf8.len(pandoc.utils.stringify(cell.contents)) or 0
        longest[i] = math.max(longest[i] or 0, math.min(n, COLUMN_CAP))
      end
    end
  end
  measure(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do
    measure(body.body)
  end
  local total = 0
  for _, n in pairs(longest) do
    total = total + n
  end
  return total
end

local function typst_table(tbl)
  local wide = width(tbl) > WIDE_TABLE
  tbl = tbl:walk({ Str = breakable })
  if wide then
    return { pandoc.RawBlock("typst", "#page(flipped: true)["), tbl, pandoc.RawBlock("typst", "]") }
  end
  return tbl
end

local function page_break_first(doc)
  doc.blocks:insert(1, pandoc.RawBlock("openxml", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'))
  return doc
end

local filters = { { RawBlock = read_html } }
if FORMAT == "typst" then
  filters[#filters + 1] = { Image = typst_image, Table = typst_table }
elseif FORMAT == "docx" then
  filters[#filters + 1] = { Pandoc = page_break_first }
end
return filters
