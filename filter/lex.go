package filter

import (
	"fmt"
	"strings"
	"unicode"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // field path or keyword: Stage, Account_Name.Industry, and
	tString         // 'text' (Text holds the unescaped content)
	tNumber         // 42, 3.5 (no sign: minus is its own token)
	tDur            // 90d, 2h, 15min
	tOp             // = != <> < <= > >=
	tLParen
	tRParen
	tComma
	tPlus
	tMinus
)

type token struct {
	kind tokKind
	text string // as written (unescaped content for strings)
	at   Pos
}

// SyntaxError is a filter that cannot be parsed or does not fit the
// module. At is its position within the filter text.
type SyntaxError struct {
	At   Pos
	Msg  string
	Hint string // how to fix it
}

func (e *SyntaxError) Error() string {
	s := fmt.Sprintf("%s: %s", e.At, e.Msg)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// lexer turns the filter text into tokens, tracking line and column.
type lexer struct {
	src       []rune
	i         int
	line, col int
}

func (l *lexer) peekRune(k int) rune {
	if l.i+k < len(l.src) {
		return l.src[l.i+k]
	}
	return 0
}

func (l *lexer) advance() rune {
	r := l.src[l.i]
	l.i++
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

func isIdentStart(r rune) bool { return r == '_' || r < 128 && unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return isIdentStart(r) || r >= '0' && r <= '9' }
func isDigit(r rune) bool      { return r >= '0' && r <= '9' }

func lex(src string) ([]token, error) {
	l := &lexer{src: []rune(src), line: 1, col: 1}
	var out []token
	for {
		for l.i < len(l.src) && unicode.IsSpace(l.src[l.i]) {
			l.advance()
		}
		at := Pos{l.line, l.col}
		if l.i >= len(l.src) {
			return append(out, token{kind: tEOF, at: at}), nil
		}
		r := l.src[l.i]
		switch {
		case isIdentStart(r):
			start := l.i
			for l.i < len(l.src) && (isIdentPart(l.src[l.i]) || l.src[l.i] == '.' && isIdentStart(l.peekRune(1))) {
				l.advance()
			}
			if l.i < len(l.src) && l.src[l.i] == '.' {
				return nil, &SyntaxError{At: Pos{l.line, l.col}, Msg: fmt.Sprintf("field path %q ends with a dot", string(l.src[start:l.i+1])),
					Hint: "write a field API name after each dot, e.g. Account_Name.Industry"}
			}
			out = append(out, token{kind: tIdent, text: string(l.src[start:l.i]), at: at})
		case isDigit(r):
			start := l.i
			for l.i < len(l.src) && isDigit(l.src[l.i]) {
				l.advance()
			}
			if l.i < len(l.src) && l.src[l.i] == '.' && isDigit(l.peekRune(1)) {
				l.advance()
				for l.i < len(l.src) && isDigit(l.src[l.i]) {
					l.advance()
				}
			}
			kind := tNumber
			if l.i < len(l.src) && isIdentStart(l.src[l.i]) {
				for l.i < len(l.src) && isIdentPart(l.src[l.i]) {
					l.advance()
				}
				kind = tDur
			}
			out = append(out, token{kind: kind, text: string(l.src[start:l.i]), at: at})
		case r == '\'':
			s, err := l.str()
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tString, text: s, at: at})
		case r == '"' || r == '\u2018' || r == '\u2019' || r == '\u201c' || r == '\u201d':
			return nil, &SyntaxError{At: at, Msg: fmt.Sprintf("%c does not quote text in COQL", r),
				Hint: "quote text with straight single quotes: Stage = 'Closed Won'"}
		case r == '=' || r == '!' || r == '<' || r == '>':
			l.advance()
			op := string(r)
			if n := l.peekRune(0); n == '=' || r == '<' && n == '>' {
				l.advance()
				op += string(n)
			}
			switch op {
			case "==":
				return nil, &SyntaxError{At: at, Msg: "== is not an operator", Hint: "write a single = to compare"}
			case "!":
				return nil, &SyntaxError{At: at, Msg: "! is not an operator", Hint: "write != to compare, or not in / not like / is not null"}
			case "<>":
				op = "!="
			}
			out = append(out, token{kind: tOp, text: op, at: at})
		case r == '(' || r == ')' || r == ',' || r == '+' || r == '-':
			l.advance()
			kind := map[rune]tokKind{'(': tLParen, ')': tRParen, ',': tComma, '+': tPlus, '-': tMinus}[r]
			out = append(out, token{kind: kind, text: string(r), at: at})
		case r == '&' || r == '|':
			word := "and"
			if r == '|' {
				word = "or"
			}
			return nil, &SyntaxError{At: at, Msg: fmt.Sprintf("%c is not an operator", r), Hint: "join conditions with " + word}
		default:
			return nil, &SyntaxError{At: at, Msg: fmt.Sprintf("unexpected character %q", r),
				Hint: "a filter is conditions like  Stage = 'Won' and Amount >= 1000  joined by and / or"}
		}
	}
}

// str reads a single-quoted string. A quote inside is written \' (as COQL
// does) or as two single quotes; a backslash is written \\.
func (l *lexer) str() (string, error) {
	at := Pos{l.line, l.col}
	l.advance()
	var b strings.Builder
	for {
		if l.i >= len(l.src) {
			return "", &SyntaxError{At: at, Msg: "text opened with ' is never closed",
				Hint: "close it with another '; write \\' for a quote inside the text"}
		}
		r := l.advance()
		switch {
		case r == '\\' && (l.peekRune(0) == '\'' || l.peekRune(0) == '\\'):
			b.WriteRune(l.advance())
		case r == '\'' && l.peekRune(0) == '\'':
			l.advance()
			b.WriteRune('\'')
		case r == '\'':
			return b.String(), nil
		default:
			b.WriteRune(r)
		}
	}
}
