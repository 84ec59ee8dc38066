package vexec

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// likeToken is one element of a LIKE pattern: '%', '_', or one literal character (its bytes as written).
type likeToken struct {
	kind byte // 0 literal, '%', '_'
	lit  string
}

// likeTokens splits a pattern: the escape character makes the next character literal; an escape at the very
// end is itself literal, as MySQL reads it.
func likeTokens(pattern string, escape rune) []likeToken {
	var toks []likeToken
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		raw := pattern[i : i+n]
		i += n
		if r == escape && i < len(pattern) {
			_, n2 := utf8.DecodeRuneInString(pattern[i:])
			toks = append(toks, likeToken{lit: pattern[i : i+n2]})
			i += n2
			continue
		}
		switch r {
		case '%':
			toks = append(toks, likeToken{kind: '%'})
		case '_':
			toks = append(toks, likeToken{kind: '_'})
		default:
			toks = append(toks, likeToken{lit: raw})
		}
	}
	return toks
}

// likeRef is the reference LIKE: '_' is one character (one UTF-8 sequence, or one byte that is not valid UTF-8),
// '%' any run of characters, literals compare by bytes. It is a dynamic program over the string's characters,
// with nothing in common with the code under test.
func likeRef(pattern string, escape rune, s string) bool {
	var chars []string
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		chars = append(chars, s[i:i+n])
		i += n
	}
	// dp[j]: the tokens so far match chars[:j].
	dp := make([]bool, len(chars)+1)
	dp[0] = true
	for _, tk := range likeTokens(pattern, escape) {
		next := make([]bool, len(chars)+1)
		switch tk.kind {
		case '%':
			seen := false
			for j := range next {
				seen = seen || dp[j]
				next[j] = seen
			}
		case '_':
			for j := range chars {
				next[j+1] = dp[j]
			}
		default:
			for j := range chars {
				next[j+1] = dp[j] && chars[j] == tk.lit
			}
		}
		dp = next
	}
	return dp[len(chars)]
}

func TestCompileLikePattern(t *testing.T) {
	cases := []struct {
		s, pattern string
		escape     rune
		want       bool
	}{
		{"abc", "abc", '\\', true},
		{"abc", "ABC", '\\', false}, // binary comparison
		{"abc", "ab", '\\', false},
		{"", "", '\\', true},
		{"x", "", '\\', false},
		{"", "%", '\\', true},
		{"", "_", '\\', false},
		{"abc", "a%", '\\', true},
		{"bac", "a%", '\\', false},
		{"abc", "%c", '\\', true},
		{"abcd", "%c", '\\', false},
		{"abc", "%b%", '\\', true},
		{"ac", "%b%", '\\', false},
		{"abc", "a_c", '\\', true},
		{"ac", "a_c", '\\', false},
		{"abbc", "a_c", '\\', false},
		{"abc", "a%%%c", '\\', true},
		{"", "%%", '\\', true},
		{"a%c", `a\%c`, '\\', true},
		{"abc", `a\%c`, '\\', false},
		{"a_c", `a\_c`, '\\', true},
		{"abc", `a\_c`, '\\', false},
		{`a\c`, `a\\c`, '\\', true},
		{`a\`, `a\`, '\\', true},  // a trailing escape is literal
		{`ab`, `a\b`, '\\', true}, // an escaped ordinary character is itself
		{"日本", "__", '\\', true},
		{"日本", "_", '\\', false},
		{"日本語", "%本%", '\\', true},
		{"é", "_", '\\', true},
		{"a\nb", "a_b", '\\', true},
		{"a\nb", "a%b", '\\', true},
		{"abcabc", "%abc", '\\', true},
		{"xabyab", "%ab%ab", '\\', true},
		{"ab", "%ab%ab%", '\\', false},
		{".*", ".*", '\\', true}, // regexp metacharacters are literal
		{"ab", ".*", '\\', false},
		{"a+b(c", "a+_(%", '\\', true},
		{"10%", "10!%", '!', true},
		{"10x", "10!%", '!', false},
		{`a\b`, `a\b`, '!', true}, // with another escape, backslash is an ordinary character
		{"a%", "a%%", '%', true},  // '%' as the escape: "%%" is a literal '%'
		{"ab", "a%%", '%', false},
	}
	for _, tc := range cases {
		if got := compileLikePattern(tc.pattern, tc.escape)(tc.s); got != tc.want {
			t.Errorf("%q LIKE %q ESCAPE %q = %v, want %v", tc.s, tc.pattern, tc.escape, got, tc.want)
		}
		if got := likeRef(tc.pattern, tc.escape, tc.s); got != tc.want {
			t.Errorf("reference: %q LIKE %q ESCAPE %q = %v, want %v", tc.s, tc.pattern, tc.escape, got, tc.want)
		}
	}
}

// randomPattern returns a pattern of one of the shapes compileLikePattern has a fast path for (literal, prefix,
// suffix, contains) or of any shape, over an alphabet full of metacharacters.
func randomPattern(rng *rand.Rand, escape rune) string {
	esc := string(escape)
	litPart := func() string {
		var sb strings.Builder
		for range rng.IntN(4) {
			c := likeAlphabet[rng.IntN(len(likeAlphabet))]
			if c == "%" || c == "_" || c == esc {
				if rng.IntN(4) > 0 { // usually escaped, sometimes left as a wildcard
					sb.WriteString(esc)
				}
			}
			sb.WriteString(c)
		}
		return sb.String()
	}
	switch rng.IntN(6) {
	case 0:
		return litPart()
	case 1:
		return litPart() + "%"
	case 2:
		return "%" + litPart()
	case 3:
		return "%" + litPart() + "%"
	}
	var sb strings.Builder
	for range rng.IntN(7) {
		switch rng.IntN(5) {
		case 0:
			sb.WriteString("%")
		case 1:
			sb.WriteString("_")
		default:
			sb.WriteString(likeAlphabet[rng.IntN(len(likeAlphabet))])
		}
	}
	return sb.String()
}

// instantiate returns a string the pattern matches (wildcards filled at random), sometimes mutated.
func instantiate(rng *rand.Rand, pattern string, escape rune) string {
	var sb strings.Builder
	for _, tk := range likeTokens(pattern, escape) {
		switch tk.kind {
		case '%':
			sb.WriteString(randString(rng, 3))
		case '_':
			sb.WriteString(likeAlphabet[rng.IntN(len(likeAlphabet))])
		default:
			sb.WriteString(tk.lit)
		}
	}
	s := sb.String()
	if rng.IntN(3) == 0 && len(s) > 0 {
		i := rng.IntN(len(s))
		s = s[:i] + likeAlphabet[rng.IntN(len(likeAlphabet))] + s[i:]
	}
	return s
}

// TestLikePatternProperty checks every path of compileLikePattern (the literal, prefix, suffix and contains fast
// paths and the regular expression) against likeRef over random patterns and strings.
func TestLikePatternProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	escapes := []rune{'\\', '!', 'a', '日'}
	iters := 20000
	if testing.Short() {
		iters = 2000
	}
	matches := 0
	for range iters {
		escape := escapes[rng.IntN(len(escapes))]
		pattern := randomPattern(rng, escape)
		m := compileLikePattern(pattern, escape)
		for range 4 {
			var s string
			if rng.IntN(2) == 0 {
				s = instantiate(rng, pattern, escape)
			} else {
				s = randString(rng, 6)
			}
			got, want := m(s), likeRef(pattern, escape, s)
			if got != want {
				t.Fatalf("%q LIKE %q ESCAPE %q = %v, want %v", s, pattern, string(escape), got, want)
			}
			if want {
				matches++
			}
		}
	}
	// The generator must produce both outcomes in quantity, or the property says little.
	if total := iters * 4; matches < total/10 || matches > total*9/10 {
		t.Errorf("%d of %d strings matched: the generator is lopsided", matches, total)
	}
}

// Strings are compared by bytes, so a byte that is not valid UTF-8 must match itself, not U+FFFD, and the
// fast paths must agree with the regular expression path on such bytes.
func TestLikePatternInvalidUTF8(t *testing.T) {
	cases := []struct {
		s, pattern string
		want       bool
	}{
		{"\xff", "\xff", true},          // literal fast path
		{"\xffa", "\xff%", true},        // prefix fast path
		{"\uFFFD", "\xff", false},       // different bytes
		{"\uFFFDa", "\xff_", false},     // regexp path
		{"x\xffy", "%\xff%", true},      // contains fast path
		{"a\xfe\xffb", "a__b", true},    // two invalid bytes are two characters
		{"a\xfe\xffb", "a\xfe_b", true}, // mixed
	}
	for _, tc := range cases {
		if ref := likeRef(tc.pattern, '\\', tc.s); ref != tc.want {
			t.Fatalf("reference disagrees on %q LIKE %q", tc.s, tc.pattern)
		}
		if got := compileLikePattern(tc.pattern, '\\')(tc.s); got != tc.want {
			t.Errorf("%q LIKE %q = %v, want %v", tc.s, tc.pattern, got, tc.want)
		}
	}
}
