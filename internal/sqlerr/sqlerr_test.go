package sqlerr

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"vitess.io/vitess/go/mysql/sqlerror"
)

func TestNewCarriesNumberStateAndMessage(t *testing.T) {
	err := New(NoSuchTable, "Table '%s.%s' doesn't exist", "s", "t")
	assert.Equal(t, NoSuchTable, err.Num)
	assert.Equal(t, "42S02", err.State)
	assert.Equal(t, "Table 's.t' doesn't exist", err.Message)
	assert.Equal(t, "HY000", State(sqlerror.ErrorCode(9999)), "numbers without a known state get HY000")
}

func TestFromKeepsMySQLErrorsAndWrapsOthers(t *testing.T) {
	inner := New(BadField, "Unknown column 'x' in 'field list'")
	wrapped := fmt.Errorf("binding: %w", inner)
	assert.Same(t, inner, From(wrapped))
	plain := From(errors.New("disk on fire"))
	assert.Equal(t, Unknown, plain.Num)
	assert.Equal(t, "disk on fire", plain.Message)
	assert.Nil(t, From(nil))
}

func TestClientErrors(t *testing.T) {
	assert.True(t, IsClientError(New(Parse, "bad")))
	assert.True(t, IsClientError(New(OutOfRange, "too big")))
	assert.False(t, IsClientError(errors.New("internal")))
	assert.False(t, IsClientError(New(Unknown, "internal")))
}
