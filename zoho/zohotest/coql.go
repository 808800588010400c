package zohotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// COQL limits (reference §5.1).
const (
	coqlMaxColumns   = 50
	coqlMaxCriteria  = 25
	coqlMaxInValues  = 50
	coqlMaxOrderBy   = 10
	coqlMaxLimit     = 2000
	coqlDefaultLimit = 200
	coqlMaxRecords   = 100_000 // reachable with LIMIT/OFFSET
	coqlMaxRelations = 2
	coqlMaxBody      = 64 << 10
)

// coqlScopes are the scopes COQL needs besides a module read scope (§1.8).
var coqlScopes = []string{"ZohoCRM.coql.READ", "ZohoCRM.coql.ALL"}

// coqlCredits is what one query costs by its LIMIT (§5.1). It repeats the
// client's zoho.coqlCredits on purpose: the emulator follows the reference on
// its own, so a client that miscounts is caught, not copied (and zoho's tests
// import this package, so it cannot import zoho).
func coqlCredits(limit int) int {
	switch {
	case limit <= 200:
		return 1
	case limit <= 1000:
		return 2
	}
	return 3
}

// coqlPath is a column: a field of the module or, through up to two
// lookups, of a related record.
type coqlPath struct {
	text   string       // as written
	fields []*fieldSpec // one per segment
}

func (p *coqlPath) last() *fieldSpec { return p.fields[len(p.fields)-1] }

type coqlColumn struct {
	path  *coqlPath
	key   string // output key: the alias, else the path as written
	count bool   // COUNT(path)
}

// coqlCond is a WHERE condition: a leaf comparison or two conditions
// joined by and/or (COQL wants brackets beyond two).
type coqlCond struct {
	op          string // "and" | "or" for a pair
	left, right *coqlCond
	path        *coqlPath
	cmp         string // "=", "!=", "<", "<=", ">", ">=", "in", "not in", "like", "not like", "between", "not between", "is null", "is not null"
	vals        []any  // normalised literal values
}

type coqlOrder struct {
	path *coqlPath
	desc bool
}

type coqlQuery struct {
	schema        *moduleSchema
	cols          []coqlColumn
	where         *coqlCond
	order         []coqlOrder
	limit, offset int
}

func coqlSyntax(near string, column int) *apiError {
	return newAPIError(http.StatusBadRequest, "SYNTAX_ERROR", "error occured while parsing the query",
		map[string]any{"line": 1, "column": column, "near": near})
}

func coqlMissingClause(clause string) *apiError {
	return newAPIError(http.StatusBadRequest, "SYNTAX_ERROR", "missing clause", map[string]any{"clause": clause})
}

func coqlInvalid(message string, details map[string]any) *apiError {
	return newAPIError(http.StatusBadRequest, "INVALID_QUERY", message, details)
}

func coqlLimit(message string, details map[string]any) *apiError {
	return newAPIError(http.StatusBadRequest, "LIMIT_EXCEEDED", message, details)
}

// coql serves POST /crm/v8/coql: {"select_query": "select … from … where …"}.
func (c *call) coql() {
	if c.r.Method != http.MethodPost {
		c.fail(errMethod())
		return
	}
	if !c.requireScope(coqlScopes...) {
		return
	}
	raw, err := io.ReadAll(io.LimitReader(c.r.Body, coqlMaxBody))
	if err != nil {
		c.fail(errInvalidParam("body"))
		return
	}
	var body struct {
		SelectQuery *string `json:"select_query"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&body); err != nil {
		c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the body is not valid JSON", map[string]any{"error": err.Error()}))
		return
	}
	if body.SelectQuery == nil || strings.TrimSpace(*body.SelectQuery) == "" {
		c.fail(errRequiredParam("select_query"))
		return
	}
	q, aerr := parseCOQL(*body.SelectQuery)
	if aerr != nil {
		c.fail(aerr)
		return
	}
	if !c.requireScope(moduleReadScopes(q.schema.name)...) {
		return
	}
	if extra := coqlCredits(q.limit) - 1; extra > 0 {
		if aerr := c.s.spendCredits(c.w, extra); aerr != nil {
			c.fail(aerr)
			return
		}
	}
	c.s.serveCOQL(c.w, q)
}
