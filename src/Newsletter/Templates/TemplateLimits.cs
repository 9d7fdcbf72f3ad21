using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace Newsletter.Templates;

/// <summary>
/// What a template may cost. Fluid builds a range's whole list before a loop runs, so <c>(1..2000000000)</c> would
/// exhaust memory before any step is counted: ranges are checked when a template is parsed (literal bounds, at most
/// <see cref="MaxRangeItems"/> items). Everything else is bounded at render time by Fluid's step limit and a timeout
/// (<see cref="TemplateFolderOptions.MaxSteps"/>, <see cref="TemplateFolderOptions.RenderTimeout"/>).
/// </summary>
public static class TemplateLimits
{
    public const int MaxRangeItems = 10_000;

    /// <summary>The reason the template's ranges are refused, or null when they are fine.</summary>
    public static string? RangeError(IFluidTemplate template)
    {
        var check = new RangeCheck();
        check.VisitTemplate(template);
        return check.Error;
    }

    private sealed class RangeCheck : AstVisitor
    {
        public string? Error { get; private set; }

        protected override Expression VisitRangeExpression(RangeExpression range)
        {
            if (range.From is not LiteralExpression { Value: NumberValue from } || range.To is not LiteralExpression { Value: NumberValue to })
                Error ??= "A range (a..b) must have plain numbers as its ends, so its size is known before it runs.";
            else if (Math.Abs(to.ToNumberValue() - from.ToNumberValue()) >= MaxRangeItems)
                Error ??= $"A range (a..b) may have at most {MaxRangeItems:N0} items.";
            return base.VisitRangeExpression(range);
        }
    }
}

/// <summary>A template's render went past its limits (steps, time); nothing of it was used.</summary>
public sealed class TemplateRenderException(string message, Exception? inner = null) : Exception(message, inner);
