package sqlfront

// WithoutEagerAggregation switches eager aggregation off for the statements run under the context it returns,
// so that tests can compare answers with and without it.
var WithoutEagerAggregation = withoutEagerAggregation
