module github.com/vcubedb/vcube/wasm

go 1.26.2
