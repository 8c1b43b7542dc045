"""The J1QL feature table (docs/j1ql.md): what awsgraph supports of JupiterOne's query language.

Each supported row's example runs in ``tests/query/test_j1ql_features.py`` against a small
estate, with its expected answer; a test fails when this table and the tests disagree, and
another when docs/j1ql.md is not what :func:`render_features` writes (``awsgraph docs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from awsgraph.query.lexer import MAX_QUERY_CHARS
from awsgraph.query.parser import DEFAULT_LIMIT, MAX_DEPTH, MAX_REGEX_CHARS, UNIT_MS


@dataclass(frozen=True)
class Feature:
    id: str
    name: str
    example: str  # a J1QL query (adapted from JupiterOne's documentation to an AWS estate)
    supported: bool = True
    note: str = ""  # how awsgraph reads it, or why it is not supported


FEATURES: tuple[Feature, ...] = (
    Feature("class", "FIND a class", "FIND Host"),
    Feature("type", "FIND a type", "FIND aws_security_group"),
    Feature("any-with", "FIND * with WITH filters", "FIND * WITH encrypted = false"),
    Feature("alternation", "Alternation of classes and types",
            "FIND (Database|aws_s3_bucket) WITH encrypted = true"),
    Feature("and-or", "AND, OR, NOT and parentheses in WITH",
            "FIND DataStore WITH encrypted = true AND (tag.PII = true OR classification = 'critical')"),
    Feature("value-list", "Value lists (= and != with OR / AND)",
            "FIND aws_instance WITH state = ('running' OR 'stopped') AND name != ('web' OR 'db')",
            note="`!= (A OR B)` is `!= A AND != B` (De Morgan), as JupiterOne reads it"),
    Feature("undefined", "`undefined` for a missing property", "FIND aws_instance WITH tag.Owner = undefined"),
    Feature("brackets", "`[property]` names with special characters",
            "FIND aws_instance WITH [tag.cost-center] = '42'"),
    Feature("strings", "String operators ~= ^= $= !~= !^= !$=",
            "FIND aws_instance WITH name ~= 'atch' OR name ^= 'we'",
            note="case-sensitive; on a list property any element may match"),
    Feature("regex", "Regular expressions `/re/i` in WITH and WHERE",
            "FIND AccessPolicy WITH name = /administrator/i",
            note="`=` finds the pattern anywhere, `^=`/`$=` at the start/end, `!=` negates; matched by RE2 (linear "
                 f"time: no pattern can hang a query); only the `i` flag; at most {MAX_REGEX_CHARS} characters"),
    Feature("regex-where", "Regular expressions on a relationship in WHERE",
            "FIND aws_iam_policy AS p THAT ALLOWS AS r aws_s3_bucket WHERE r.actions = /^s3:Get/ RETURN p.name"),
    Feature("full-text", "Full-text search `FIND \"text\"`", 'FIND "10.0.1.5"',
            note="one property value contains the text (ASCII case ignored) and each word of the text (a run of "
                 "letters or digits) is a whole word of the entity's values; an SQLite FTS5 index over property "
                 "values, kept in step with every run, finds the candidates"),
    Feature("full-text-bare", "Full-text search without FIND", '"customer-records"'),
    Feature("full-text-with", "Full-text search with WITH filters", "FIND \"10.0.1.5\" WITH _class = 'Host'"),
    Feature("smart-tag", "Smart classes from tags `#Tag`", "FIND #PII DataStore",
            note="`#Name` matches an entity whose `tags` list holds Name, whose `tag.Name` is true (or 'true'), or "
                 "one of whose `tag.*` values is the string Name; case-sensitive"),
    Feature("smart-critical", "Smart class `#CriticalAsset`", "FIND #CriticalAsset",
            note="JupiterOne's default definition: class Application, CodeRepo, DataStore, Function, Host or Logs "
                 "with `tag.Production = true` and `classification = 'critical'`, or tagged CriticalAsset"),
    Feature("traversal", "Traversals with THAT, both directions by default",
            "FIND aws_instance THAT PROTECTS Firewall"),
    Feature("direction", "Direction arrows `>>` `<<`", "FIND Firewall THAT PROTECTS >> aws_instance"),
    Feature("relates-to", "RELATES TO (any verb)", "FIND aws_alb THAT RELATES TO *"),
    Feature("verb-alternation", "Alternation of verbs", "FIND User THAT (ASSIGNED|IS) *"),
    Feature("to-filler", "`TO` after any verb is filler", "FIND aws_alb THAT CONNECTS TO aws_lb_target_group"),
    Feature("negated", "Negated traversals `THAT !VERB`", "FIND aws_ebs_volume THAT !USES aws_instance"),
    Feature("optional", "Optional traversals `(THAT ...)?`, aliased and chained",
            "FIND User (THAT IS Everyone)? AS x THAT RELATES TO UserGroup RETURN x.name",
            note="nested optional groups are refused"),
    Feature("where", "WHERE on aliases, relationship properties",
            "FIND Firewall AS fw THAT ALLOWS AS rule * AS src WHERE rule.ingress = true AND rule.fromPort <= 22 "
            "AND rule.toPort >= 22 RETURN fw.displayName, src.displayName"),
    Feature("alias-compare", "WHERE comparing two aliases",
            "FIND aws_instance AS a THAT RELATES TO aws_account THAT RELATES TO aws_instance AS b "
            "WHERE a.region = b.region AND a.name != b.name RETURN a.name, b.name"),
    Feature("list-compare", "WHERE comparing a list with another alias's value",
            "FIND UNIQUE aws_eni WITH publicIpAddress != undefined AS nic THAT RELATES TO aws_instance "
            "THAT RELATES TO aws_security_group AS sg THAT ALLOWS Internet WHERE nic.securityGroupIds = sg.groupId "
            "RETURN nic.name, sg.groupId",
            note="holds when the list contains the value (either side may be the list)"),
    Feature("return", "RETURN properties, `alias.*`, whole entities, `AS` names",
            "FIND aws_subnet WITH public = true AS n THAT HAS aws_instance AS i RETURN n.name AS subnet, i"),
    Feature("tree", "RETURN TREE", "FIND aws_alb THAT CONNECTS aws_lb_target_group RETURN TREE"),
    Feature("aggregates", "Aggregates count, min, max, avg, sum, grouped by the other columns",
            "FIND Account AS acct THAT HAS User AS user RETURN acct.name, count(user)"),
    Feature("math", "Math `+ - * /` and parentheses in RETURN",
            "FIND (aws_db_cluster_snapshot|aws_db_snapshot) AS snapshot RETURN snapshot.name, "
            "snapshot.allocatedStorage * 0.02 AS Cost",
            note="numbers only (a string is an error); division is in floating point; x / 0 is empty"),
    Feature("math-aggregate", "Math with aggregates",
            "FIND (aws_db_cluster_snapshot|aws_db_snapshot) AS snapshot RETURN snapshot.tag.AccountName AS Account, "
            "sum(snapshot.allocatedStorage) * 0.02 AS EstimatedCost"),
    Feature("math-dates", "Math with dates (epoch milliseconds)",
            "FIND Certificate AS c RETURN c.name, (c.expiresOn - c.issuedOn) / (3600000 * 24) AS days",
            note="dates stored as ISO 8601 strings are converted to epoch milliseconds"),
    Feature("math-where", "Math in WHERE",
            "FIND Certificate AS c WHERE (c.expiresOn - date.now) / (3600000 * 24) < 45 RETURN c.name"),
    Feature("concat", "CONCAT in RETURN",
            "FIND aws_s3_bucket AS s3 RETURN CONCAT(s3.name, ' is ', s3.encrypted) AS line",
            note="a missing value is an empty string; numbers and booleans are spelled out"),
    Feature("concat-where", "CONCAT in WHERE",
            "FIND aws_instance AS i WHERE CONCAT(i.name, '/', i.state) = 'web/running' RETURN i.name"),
    Feature("relative-dates", "Relative dates `date.now - N unit`",
            "FIND aws_s3_bucket WITH createdOn > date.now - 168 hrs",
            note="units: " + ", ".join(sorted(UNIT_MS)) + " (a month is 30 days, a year 365)"),
    Feature("absolute-dates", "Static dates `date(...)`",
            "FIND Certificate WITH notBefore > date(2024) AND notBefore < date(2024-06-01T02:00:00.000+01:00)",
            note="`date(YYYY)`, `date(YYYY-MM)`, `date(YYYY-MM-DD)`, and ISO 8601 timestamps with `Z` or an offset"),
    Feature("order", "ORDER BY, SKIP, LIMIT",
            "FIND aws_ebs_volume AS v RETURN v.name ORDER BY v.size DESC SKIP 1 LIMIT 1",
            note=f"the default LIMIT is {DEFAULT_LIMIT}; they apply to the rows returned"),
    Feature("unique", "UNIQUE", "FIND UNIQUE User AS u THAT (ASSIGNED|IS) * RETURN u.name"),
    Feature("case", "Keywords are case-insensitive", "find aws_ebs_volume that !uses aws_instance"),
    Feature("parameters", "Parameters `${ param.name }`", "FIND Application WITH loginUrl = ${ param.loginUrl }",
            supported=False,
            note="server-side stored values in JupiterOne; awsgraph's questions take `--param NAME=VALUE` instead"),
    Feature("metadata", "JupiterOne metadata (`_beginOn`, `_version`, `_integrationInstanceId`)",
            "FIND CodeRepo WITH _beginOn > date.now - 24hr AND _version = 1", supported=False,
            note="not stored: awsgraph keeps each run's changes instead (`awsgraph diff`)"),
    Feature("math-functions", "Math functions such as ABS or ROUND", "FIND Host AS h RETURN ROUND(h.cpu)",
            supported=False, note="not implemented yet"),
    Feature("nested-optional", "Optional traversals nested inside optional traversals",
            "FIND User (THAT IS Person (THAT OWNS Device)?)?", supported=False,
            note="not implemented: chain optional groups instead"),
)


HEADER = "<!-- Generated by `awsgraph docs` from src/awsgraph/query/features.py; do not edit by hand. -->\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_features() -> str:
    lines = [
        HEADER,
        "# J1QL in awsgraph\n",
        "What awsgraph supports of JupiterOne's query language (J1QL), checked against JupiterOne's own",
        "documentation. Each supported example runs in a test (`tests/query/test_j1ql_features.py`) against a",
        "small AWS estate.\n",
        "| feature | example | supported | notes |",
        "|---|---|---|---|",
    ]
    for f in FEATURES:
        lines.append(f"| {_cell(f.name)} | `{_cell(f.example)}` | {'yes' if f.supported else 'no'} | {_cell(f.note)} |")
    lines += [
        "",
        "## Bounds",
        "",
        "Every query runs under a deadline (`--timeout`, 30 s by default) that also stops it on Ctrl-C; rows are",
        "streamed and at most `--max-rows` (10,000 by default) are shown, with a note when more matched. A query",
        f"is at most {MAX_QUERY_CHARS:,} characters and {MAX_DEPTH} levels of parentheses deep; numbers fit in",
        "64 bits. Errors are one message pointing at the offending character, and exit code 2.",
        "",
        "A class or type that no entity in the graph has gets a note naming the nearest ones",
        "(`FIND aws_instanc` → `aws_instance`).",
        "",
        "## On PostgreSQL",
        "",
        "The same plan compiles to PostgreSQL (`--db postgresql://...`) with the same answers, and every example",
        "above runs in the tests on both stores. Equality filters use `props @> {...}` on a GIN index; a deadline",
        "is PostgreSQL's `statement_timeout` and Ctrl-C cancels the statement; rows stream from a server-side",
        "cursor. Where the engines differ:",
        "",
        "* **Regexes** keep RE2's meaning: each pattern is rewritten for PostgreSQL's engine (`\\d \\w \\s` and",
        "  `[[:alpha:]]` stay ASCII, `.` does not match a newline, `\\b` is a word boundary, `\\Q...\\E` and named",
        "  groups work). What PostgreSQL has no spelling of is refused with an error naming it: Unicode classes",
        "  `\\p{...}`, flag groups such as `(?i)` (use `/.../i`), octal escapes, the classes",
        "  `[[:punct:]]`/`cntrl`/`graph`/`print`/`ascii`, and repetition counts over 255. With `/.../i`, non-ASCII",
        "  letters fold case as the server's locale does (RE2 folds Unicode case).",
        "* **Full-text search** follows the same rule, with PostgreSQL's own text search (a GIN index over a",
        "  `tsvector` of each entity's value words). Words are split at ASCII spaces, punctuation and symbols, so",
        "  a non-ASCII punctuation mark (`—`, `«`) joins the words around it, where SQLite's tokenizer splits;",
        "  a word over 256 characters is matched as text only.",
        "",
    ]
    return "\n".join(lines)


def write_features(out_dir: str, *, check: bool = False) -> list[str]:
    """Write docs/j1ql.md, or with ``check`` return ``["j1ql.md"]`` when it is stale."""
    path = Path(out_dir) / "j1ql.md"
    text = render_features()
    stale = [] if path.exists() and path.read_text() == text else ["j1ql.md"]
    if not check:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return stale
