namespace Newsletter.Audit;

/// <summary>
/// The database's half of "append-only": triggers that refuse any UPDATE or DELETE of an audit row, whoever sends it
/// (EF's ExecuteUpdate/ExecuteDelete bypass the change tracker, and an owner with the database password bypasses the
/// application). Each provider's migration creates them.
/// </summary>
public static class AuditTriggers
{
    public const string Table = "AuditEntries";

    public const string Message = "The audit log is append-only.";

    public const string SqliteCreate = $"""
        CREATE TRIGGER "{Table}_no_update" BEFORE UPDATE ON "{Table}" BEGIN SELECT RAISE(ABORT, '{Message}'); END;
        CREATE TRIGGER "{Table}_no_delete" BEFORE DELETE ON "{Table}" BEGIN SELECT RAISE(ABORT, '{Message}'); END;
        """;

    public const string SqliteDrop = $"""
        DROP TRIGGER IF EXISTS "{Table}_no_update";
        DROP TRIGGER IF EXISTS "{Table}_no_delete";
        """;

    /// <summary>In EXEC: CREATE TRIGGER must open its batch, and the idempotent script wraps each step in IF ... BEGIN ... END.</summary>
    public const string SqlServerCreate =
        $"EXEC(N'CREATE TRIGGER [{Table}_append_only] ON [{Table}] INSTEAD OF UPDATE, DELETE AS BEGIN THROW 51000, ''{Message}'', 1; END');";

    public const string SqlServerDrop = $"DROP TRIGGER IF EXISTS [{Table}_append_only];";

    /// <summary>A function that raises, called before each UPDATE or DELETE row, and before TRUNCATE (which skips row triggers).</summary>
    public const string PostgresCreate = $$"""
        CREATE FUNCTION "{{Table}}_append_only"() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN RAISE EXCEPTION '{{Message}}'; END;
        $fn$;
        CREATE TRIGGER "{{Table}}_no_change" BEFORE UPDATE OR DELETE ON "{{Table}}" FOR EACH ROW EXECUTE FUNCTION "{{Table}}_append_only"();
        CREATE TRIGGER "{{Table}}_no_truncate" BEFORE TRUNCATE ON "{{Table}}" FOR EACH STATEMENT EXECUTE FUNCTION "{{Table}}_append_only"();
        """;

    public const string PostgresDrop = $"""
        DROP TRIGGER IF EXISTS "{Table}_no_truncate" ON "{Table}";
        DROP TRIGGER IF EXISTS "{Table}_no_change" ON "{Table}";
        DROP FUNCTION IF EXISTS "{Table}_append_only"();
        """;
}
