"""The CLI's sub-commands, one module per area; `jikimi.cli` lists them explicitly."""
