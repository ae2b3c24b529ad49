// Keeps this test target buildable until its module's tests land; delete it then.
