package mof

import (
	"errors"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem/status"
)

// Schema lets the compiler see what is already stored: classes a file
// derives from or makes instances of but does not declare, and qualifier
// declarations.
type Schema interface {
	// GetClass returns a class linked to its parents; WBEM_E_NOT_FOUND (or
	// WBEM_E_INVALID_CLASS) when it is absent.
	GetClass(namespace, name string) (*cim.Class, error)
	// QualifierDecl returns a qualifier declaration; WBEM_E_NOT_FOUND when
	// it is absent.
	QualifierDecl(namespace, name string) (cim.QualifierDecl, error)
}

// Target receives a compiled unit, all inside one repository transaction.
type Target interface {
	Schema
	// CreateNamespace creates a namespace and its missing parents; an
	// existing namespace is fine.
	CreateNamespace(namespace string) error
	PutQualifierDecl(namespace string, d cim.QualifierDecl) error
	// PutClass stores a class; flags are Microsoft's WBEM_FLAG values:
	// FlagCreateOrUpdate, FlagUpdateOnly, FlagCreateOnly, and with updates
	// FlagUpdateSafeMode or FlagUpdateForceMode.
	PutClass(namespace string, c *cim.Class, flags uint32) error
	// PutInstance stores an instance; flags are FlagCreateOrUpdate,
	// FlagUpdateOnly or FlagCreateOnly.
	PutInstance(namespace string, inst *cim.Instance, flags uint32) error
	DeleteClass(namespace, name string) error
	DeleteInstance(namespace string, path cim.Path) error
}

// The flags of PutClass and PutInstance, with Microsoft's WBEM_FLAG values,
// as #pragma classflags and #pragma instanceflags set them.
const (
	FlagCreateOrUpdate  uint32 = 0    // WBEM_FLAG_CREATE_OR_UPDATE
	FlagUpdateOnly      uint32 = 0x1  // WBEM_FLAG_UPDATE_ONLY: "updateonly"
	FlagCreateOnly      uint32 = 0x2  // WBEM_FLAG_CREATE_ONLY: "createonly"
	FlagUpdateSafeMode  uint32 = 0x20 // WBEM_FLAG_UPDATE_SAFE_MODE: "safeupdate"
	FlagUpdateForceMode uint32 = 0x40 // WBEM_FLAG_UPDATE_FORCE_MODE: "forceupdate"
)

// OpKind tells the operations of a Unit apart.
type OpKind uint8

// The operations a unit applies.
const (
	OpCreateNamespace  OpKind = iota + 1 // Target.CreateNamespace(Namespace)
	OpPutQualifierDecl                   // Target.PutQualifierDecl(Namespace, Qualifier)
	OpPutClass                           // Target.PutClass(Namespace, Class, Flags)
	OpPutInstance                        // Target.PutInstance(Namespace, Instance, Flags)
	OpDeleteClass                        // Target.DeleteClass(Namespace, Name)
	OpDeleteInstance                     // Target.DeleteInstance(Namespace, Path)
)

var opNames = [...]string{"", "CreateNamespace", "PutQualifierDecl", "PutClass", "PutInstance", "DeleteClass", "DeleteInstance"}

// String returns the name of the Target method the operation calls.
func (k OpKind) String() string {
	if int(k) < len(opNames) && k > 0 {
		return opNames[k]
	}
	return "Op(?)"
}

// Op is one operation of a compiled unit, with the position of the
// statement it comes from.
type Op struct {
	Kind      OpKind
	Pos       Pos
	Namespace string
	Qualifier cim.QualifierDecl // OpPutQualifierDecl
	Class     *cim.Class        // OpPutClass: linked (SetParent) to the superclass the compiler found, in the unit or the Schema
	Instance  *cim.Instance     // OpPutInstance
	Flags     uint32            // OpPutClass, OpPutInstance
	Name      string            // OpDeleteClass: the class; OpDeleteInstance: the path as written
	Path      cim.Path          // OpDeleteInstance
	// NoFail is set for #pragma deleteclass/deleteinstance(..., NOFAIL):
	// a missing class or instance is not an error.
	NoFail bool
}

// Unit is the result of a compile: the operations in source order and the
// counts of declarations.
type Unit struct {
	Ops []Op
	// Classes, Instances and Qualifiers count the class declarations, the
	// top-level instance declarations (including those of __NAMESPACE) and
	// the qualifier declarations compiled. Localized classes made for
	// #pragma amendment are not counted.
	Classes    int
	Instances  int
	Qualifiers int
	// Locale is the last #pragma locale, or Options.Locale.
	Locale string
	// Warnings are what the compiler accepted but reports, each
	// "file:line:col: message".
	Warnings []string
	// Amendment is the amendment locale in effect at the end ("ms_409"),
	// or "".
	Amendment string
}

// Apply performs the unit's operations on t in order and stops at the
// first failure, which it returns with its code kept and the position of
// the statement added ("file:line:col: " before the description, the
// position as ParameterInfo). Apply is meant to run inside the caller's
// repository transaction: roll it back when Apply fails, and a unit that
// fails changes nothing.
func (u *Unit) Apply(t Target) error {
	for i := range u.Ops {
		op := &u.Ops[i]
		var err error
		switch op.Kind {
		case OpCreateNamespace:
			err = t.CreateNamespace(op.Namespace)
		case OpPutQualifierDecl:
			err = t.PutQualifierDecl(op.Namespace, op.Qualifier)
		case OpPutClass:
			err = t.PutClass(op.Namespace, op.Class, op.Flags)
		case OpPutInstance:
			err = t.PutInstance(op.Namespace, op.Instance, op.Flags)
		case OpDeleteClass:
			err = t.DeleteClass(op.Namespace, op.Name)
			if err != nil && op.NoFail && isNotFound(err) {
				err = nil
			}
		case OpDeleteInstance:
			err = t.DeleteInstance(op.Namespace, op.Path)
			if err != nil && op.NoFail && isNotFound(err) {
				err = nil
			}
		default:
			err = status.Errorf(status.InvalidParameter, "unknown operation %d", op.Kind)
		}
		if err != nil {
			return wrapAt(err, op.Pos, op.Kind.String()+" in "+op.Namespace)
		}
	}
	return nil
}

func isNotFound(err error) bool {
	return errors.Is(err, status.ErrNotFound) || status.CodeOf(err) == status.InvalidClass
}
