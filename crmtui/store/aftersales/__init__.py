"""aftersales."""
