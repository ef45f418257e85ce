package cim

// TEMPORARY: replaced by the MOF text helper.

// MOF returns the class's MOF text.
func (c *Class) MOF() string { return "class " + c.Name + "\n{\n};\n" }

// MOF returns the instance's MOF text.
func (i *Instance) MOF() string { return "instance of " + i.class.Name + "\n{\n};\n" }
