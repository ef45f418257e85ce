// Package pb holds the generated Go code of the native protocol's
// wmi.proto. Package native uses it; see wmi.proto for the protocol.
package pb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative wmi.proto
