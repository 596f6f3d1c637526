"""citation-formatter: APA, MLA, Chicago and BibTeX from tables, BibTeX and YAML; validation."""

from __future__ import annotations

import json

import pytest

from llmspell.core.errors import PathNotAllowed, ToolExecutionError, ToolParameterError

BIB = r"""
@string{jml = "Journal of Machine"}
@comment{not an entry}
@article{smith2020,
  author = {Smith, John and Doe, Jane and M{\"u}ller, Hans},
  title = {Deep {Learning} for \& Everything},
  journal = jml # " Learning",
  year = 2020, month = mar,
  volume = {12}, number = {3}, pages = {100--120},
  doi = {https://doi.org/10.1234/jml.2020.12}
}
@book{knuth1984,
  author = "Donald E. Knuth",
  title = {The {\TeX}book},
  publisher = {Addison-Wesley}, address = {Reading, MA},
  year = {1984}
}
@incollection(lee2019, author={Lee, Ann}, title={A Chapter}, booktitle={Big Book},
  editor={Kim, Bo and {World Health Organization}}, publisher={Springer}, pages={5-9}, year={2019})
"""

APA = [
    "Knuth, D. E. (1984). The TeXbook. Addison-Wesley.",
    "Lee, A. (2019). A Chapter. In B. Kim & World Health Organization (Eds.), Big Book "
    "(pp. 5\u20139). Springer.",
    "Smith, J., Doe, J., & M\u00fcller, H. (2020). Deep Learning for & Everything. "
    "Journal of Machine Learning, 12(3), 100\u2013120. https://doi.org/10.1234/jml.2020.12",
]
MLA = [
    "Knuth, Donald E. The TeXbook. Addison-Wesley, 1984.",
    "Lee, Ann. \u201cA Chapter.\u201d Big Book, edited by Bo Kim and World Health Organization, "
    "Springer, 2019, pp. 5\u20139.",
    "Smith, John, et al. \u201cDeep Learning for & Everything.\u201d Journal of Machine Learning, "
    "vol. 12, no. 3, 2020, pp. 100\u2013120, https://doi.org/10.1234/jml.2020.12.",
]
CHICAGO = [
    "Knuth, Donald E. The TeXbook. Reading, MA: Addison-Wesley, 1984.",
    "Lee, Ann. \u201cA Chapter.\u201d In Big Book, edited by Bo Kim and World Health Organization, "
    "5\u20139. Springer, 2019.",
    "Smith, John, Jane Doe, and Hans M\u00fcller. \u201cDeep Learning for & Everything.\u201d "
    "Journal of Machine Learning 12, no. 3 (2020): 100\u2013120. "
    "https://doi.org/10.1234/jml.2020.12.",
]


def cite(invoke, **params):
    return invoke("citation-formatter", params)


@pytest.mark.parametrize(("style", "expected"), [("apa", APA), ("mla", MLA), ("chicago", CHICAGO)])
def test_formats_bibtex_in_each_style_sorted_by_author(invoke, style, expected):
    result = cite(invoke, input=BIB, style=style)
    assert result.result["bibliography"] == expected
    assert result.result["reference_list"] == "\n".join(expected)
    assert result.text == "\n".join(expected)
    assert result.result["entry_count"] == 3
    assert result.result["format"] == "bibtex"
    assert result.result["style"] == style


def test_chicago_author_date_puts_the_year_after_the_authors(invoke):
    result = cite(invoke, input=BIB, style="chicago-author-date", cite_keys="knuth1984")
    assert result.result["bibliography"] == [
        "Knuth, Donald E. 1984. The TeXbook. Reading, MA: Addison-Wesley."
    ]
    assert result.result["citations"][0]["in_text"] == "(Knuth 1984)"


def test_in_text_citations_and_markdown_italics(invoke):
    citations = {c["key"]: c for c in cite(invoke, input=BIB, style="apa").result["citations"]}
    assert citations["smith2020"]["in_text"] == "(Smith et al., 2020)"
    assert citations["knuth1984"]["in_text"] == "(Knuth, 1984)"
    assert "*Journal of Machine Learning*, *12*(3)" in citations["smith2020"]["markdown"]
    assert citations["knuth1984"]["markdown"].startswith("Knuth, D. E. (1984). *The TeXbook*.")
    mla = {c["key"]: c for c in cite(invoke, input=BIB, style="mla").result["citations"]}
    assert mla["lee2019"]["in_text"] == "(Lee)"


def test_bibtex_output_sorted_by_key_and_parsed_back_unchanged(invoke):
    written = cite(invoke, input=BIB, style="bibtex")
    assert [c["key"] for c in written.result["citations"]] == ["knuth1984", "lee2019", "smith2020"]
    assert written.result["citations"][2]["in_text"] == "\\cite{smith2020}"
    article = written.result["bibliography"][2]
    assert article.startswith(
        "@article{smith2020,\n  author  = {Smith, John and Doe, Jane and M\u00fcller, Hans},"
    )
    assert "  title   = {Deep Learning for \\& Everything}," in article
    assert "  pages   = {100--120}," in article
    assert "  doi     = {10.1234/jml.2020.12}," in article
    assert (
        "editor    = {Kim, Bo and {World Health Organization}}" in written.result["bibliography"][1]
    )

    first = cite(invoke, input=BIB, operation="parse_bibtex").result["entries"]
    again = cite(invoke, input=written.text, operation="parse_bibtex").result["entries"]
    assert sorted(first, key=lambda e: e["key"]) == again


def test_parse_bibtex_gives_reference_tables(invoke):
    result = cite(invoke, input=BIB, operation="parse_bibtex")
    assert result.result["keys"] == ["smith2020", "knuth1984", "lee2019"]
    assert result.result["count"] == 3
    smith = result.result["entries"][0]
    assert smith == {
        "key": "smith2020",
        "type": "article",
        "authors": ["Smith, John", "Doe, Jane", "M\u00fcller, Hans"],
        "title": "Deep Learning for & Everything",
        "journal": "Journal of Machine Learning",
        "year": "2020",
        "month": "3",
        "volume": "12",
        "issue": "3",
        "pages": "100\u2013120",
        "doi": "10.1234/jml.2020.12",
    }
    lee = result.result["entries"][2]
    assert lee["editors"] == ["Kim, Bo", "World Health Organization"]
    assert lee["type"] == "chapter"


def test_tables_from_python_and_year_suffixes(invoke):
    refs = [
        {"authors": ["Jane Roe"], "title": "Web page about stuff", "year": 2023,
         "url": "https://example.com/x", "publisher": "Example Site"},
        {"authors": ["Roe, Jane"], "title": "Another paper", "year": 2023, "journal": "Nature",
         "volume": 600, "issue": 1, "pages": "1-5", "doi": "doi:10.1038/abc"},
        {"author": "Ludwig van Beethoven", "title": "Ninth", "year": "1824", "type": "book",
         "publisher": "Schott"},
    ]  # fmt: skip
    result = cite(invoke, references=refs, style="apa").result
    assert result["bibliography"] == [
        "Roe, J. (2023a). Another paper. Nature, 600(1), 1\u20135. https://doi.org/10.1038/abc",
        "Roe, J. (2023b). Web page about stuff. Example Site. https://example.com/x",
        "van Beethoven, L. (1824). Ninth. Schott.",
    ]
    assert [c["in_text"] for c in result["citations"]] == [
        "(Roe, 2023a)", "(Roe, 2023b)", "(van Beethoven, 1824)",
    ]  # fmt: skip
    assert [c["type"] for c in result["citations"]] == ["article", "web", "book"]
    assert [c["key"] for c in result["citations"]] == ["roe2023-2", "roe2023", "vanbeethoven1824"]


def test_one_reference_without_authors(invoke):
    result = cite(
        invoke, reference={"title": "Anonymous thing", "journal": "J", "year": 2000}, style="apa"
    )
    assert result.text == "Anonymous thing. (2000). J."
    assert result.result["citations"][0]["in_text"] == "(\u201cAnonymous thing\u201d, 2000)"


def test_yaml_hayagriva_and_json_inputs(invoke):
    hayagriva = """
smith2020:
  type: article
  title: Hayagriva paper
  author: ["Smith, John"]
  date: 2020-05-01
  parent:
    type: periodical
    title: Some Journal
    volume: 3
  page-range: 1-10
  serial-number:
    doi: 10.1000/xyz
"""
    result = cite(invoke, input=hayagriva, style="apa")
    assert result.result["format"] == "yaml"
    assert (
        result.text
        == "Smith, J. (2020). Hayagriva paper. Some Journal, 3, 1\u201310. https://doi.org/10.1000/xyz"
    )
    as_json = json.dumps(
        [{"authors": ["Ada Lovelace"], "title": "Notes", "year": 1843, "type": "book"}]
    )
    result = cite(invoke, input=as_json, style="mla")
    assert (result.result["format"], result.text) == ("json", "Lovelace, Ada. Notes. 1843.")


def test_validate_reports_problems_in_band(invoke):
    refs = [
        {"key": "ok", "authors": ["A B"], "title": "T", "year": 2020, "journal": "J"},
        {
            "key": "bad",
            "type": "article",
            "title": "T",
            "year": "20xx",
            "doi": "12.34",
            "url": "ftp://x",
        },
        {"key": "book", "title": "B", "type": "book", "year": 1999},
    ]
    result = cite(invoke, references=refs, operation="validate")
    assert result.success
    assert result.text == "2 of 3 references valid"
    found = {r["key"]: r for r in result.result["validation_results"]}
    assert found["ok"] == {
        "key": "ok",
        "entry_type": "article",
        "valid": True,
        "issues": [],
        "warnings": [],
    }
    assert found["bad"]["valid"] is False
    assert found["bad"]["issues"] == [
        "year '20xx' is not a four-digit year",
        "an article needs a journal",
        "doi '12.34' does not look like 10.NNNN/suffix",
        "url 'ftp://x' is not an http(s) address",
    ]
    assert found["book"]["warnings"] == ["no authors", "a book usually has a publisher"]
    assert result.result["is_valid"] is False
    assert (result.result["total_entries"], result.result["valid_entries"]) == (3, 2)


def test_list_styles_and_the_configured_default(invoke, make_rt):
    styles = cite(invoke, operation="list_styles").result
    assert styles["supported_styles"] == ["apa", "bibtex", "chicago", "chicago-author-date", "mla"]
    assert styles["default_style"] == "apa"
    rt = make_rt({"tools.academic.default_citation_style": "mla"})
    result = rt.tools.invoke("citation-formatter", {"input": BIB, "cite_keys": ["knuth1984"]})
    assert result.text == MLA[0]


def test_reads_a_bib_file_in_the_sandbox_only(invoke, box, outside):
    (box / "refs.bib").write_text(BIB)
    assert cite(invoke, file=str(box / "refs.bib"), style="apa").result["bibliography"] == APA
    (outside / "refs.bib").write_text(BIB)
    with pytest.raises(PathNotAllowed, match="allowed_paths"):
        cite(invoke, file=str(box / ".." / "outside" / "refs.bib"))


def test_limits_and_errors(invoke, make_rt):
    with pytest.raises(ToolExecutionError, match="unknown style 'harvard'; use one of apa"):
        cite(invoke, input=BIB, style="harvard")
    with pytest.raises(ToolExecutionError, match="never closed"):
        cite(invoke, input="@article{bad, title = {x}")
    with pytest.raises(ToolExecutionError, match="undefined @string macro"):
        cite(invoke, input="@article{a, journal = nosuchmacro}")
    with pytest.raises(ToolExecutionError, match="cite_keys not found: nope; keys: smith2020"):
        cite(invoke, input=BIB, cite_keys="nope")
    with pytest.raises(ToolExecutionError, match="no references"):
        cite(invoke)
    with pytest.raises(ToolExecutionError, match="not valid JSON"):
        cite(invoke, input='[{"title": ')
    with pytest.raises(ToolExecutionError, match="list of reference tables"):
        cite(invoke, input="just some words")
    with pytest.raises(ToolExecutionError, match="not valid YAML"):
        cite(invoke, input="a: [unclosed")
    with pytest.raises(ToolExecutionError, match="title must be text"):
        cite(invoke, reference={"title": ["a", "list"]})
    rt = make_rt({"tools.academic.max_references": 2})
    with pytest.raises(
        ToolExecutionError,
        match=r"3 references, over the limit of 2 \(`tools.academic.max_references`\)",
    ):
        rt.tools.invoke("citation-formatter", {"input": BIB})


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"operation": "render"}, "operation"),
        ({"references": "Smith 2020"}, "references"),
        ({"references": [1, 2]}, "references.0"),
        ({"format": "ris", "input": "x"}, "format"),
    ],
)
def test_bad_parameters_name_the_parameter(invoke, params, name):
    with pytest.raises(ToolParameterError, match=rf"Tool 'citation-formatter'.*'{name}'"):
        cite(invoke, **params)


def test_from_lua_with_reference_tables(rt):
    listing, in_text = rt.run_code(
        """
        local r = Tool.invoke("citation-formatter", {style = "apa", references = {
          {authors = {"Smith, John", "Jane Doe"}, title = "A paper", year = 2020, journal = "J",
           volume = 1, pages = "1-2"},
        }})
        return r.result.reference_list, r.result.citations[1].in_text
        """
    )
    assert listing == "Smith, J., & Doe, J. (2020). A paper. J, 1, 1\u20132."
    assert in_text == "(Smith & Doe, 2020)"
