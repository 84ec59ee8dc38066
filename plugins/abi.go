package plugins

import "github.com/tetratelabs/wazero/api"

// ABIVersion is the version of the plugin ABI this host implements; docs/plugins.md describes it. A module's
// vcube_abi_version must return it.
const ABIVersion = 1

// The exports of the ABI.
const (
	exportMemory          = "memory"
	exportABIVersion      = "vcube_abi_version"
	exportAlloc           = "vcube_alloc"
	exportFree            = "vcube_free"
	exportMetadata        = "vcube_metadata"
	exportErrorMessage    = "vcube_error_message"
	exportErrorRow        = "vcube_error_row"
	exportCast            = "vcube_cast"
	exportMeasureNew      = "vcube_measure_new"
	exportMeasureDrop     = "vcube_measure_drop"
	exportMeasureUpdate   = "vcube_measure_update"
	exportMeasureMerge    = "vcube_measure_merge"
	exportMeasureStates   = "vcube_measure_states"
	exportMeasureFinalize = "vcube_measure_finalize"
)

type signature struct {
	params, results []api.ValueType
}

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// Every plugin exports these.
var commonExports = map[string]signature{
	exportABIVersion:   {nil, []api.ValueType{i32}},
	exportAlloc:        {[]api.ValueType{i32}, []api.ValueType{i32}},
	exportFree:         {[]api.ValueType{i32, i32}, nil},
	exportMetadata:     {nil, []api.ValueType{i64}},
	exportErrorMessage: {nil, []api.ValueType{i64}},
	exportErrorRow:     {nil, []api.ValueType{i64}},
}

// A plugin that declares a cast exports these.
var castExports = map[string]signature{
	exportCast: {[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
}

// A plugin that declares a measure exports these.
var measureExports = map[string]signature{
	exportMeasureNew:      {[]api.ValueType{i32}, []api.ValueType{i32}},
	exportMeasureDrop:     {[]api.ValueType{i32}, []api.ValueType{i32}},
	exportMeasureUpdate:   {[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
	exportMeasureMerge:    {[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
	exportMeasureStates:   {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
	exportMeasureFinalize: {[]api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
}

// Status codes calls return.
const (
	statusOK    = 0
	statusError = 1 // the call refused its input; the instance stays usable
	statusFatal = 2 // the call failed and the instance's state is unknown: discard it (any other code too)
)

// Type codes of column descriptors.
const (
	typeBoolean   = 1
	typeBigint    = 2
	typeDouble    = 3
	typeDecimal   = 4
	typeText      = 5
	typeTimestamp = 6
	typeBinary    = 7
)

// descriptorSize is the size of a column descriptor:
//
//	0  u32 type       a type code
//	4  u32 rows
//	8  u32 validity   address of the validity bitmap, 0 when no row is NULL
//	12 u32 values     address of the values; text and binary: of the rows+1 u32 offsets
//	16 u32 data       text and binary: address of the bytes
//	20 u32 data_len   text and binary: number of bytes
//	24 i32 scale      decimal
//	28 i32 precision  decimal
const descriptorSize = 32

// Limits on what a plugin may hand back.
const (
	maxMetadataBytes = 1 << 20
	maxMessageBytes  = 4 << 10
	stderrBytes      = 4 << 10
)
