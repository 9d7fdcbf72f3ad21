using Newsletter.Templates;

namespace Newsletter.Host.Dashboard.Pages.Admin.Templates;

/// <summary>Every template, where its version in force comes from (the file or a saved edit), and whether it parses.</summary>
public sealed class IndexModel(TemplateStore templates) : StaffPage
{
    public override string Title => "Templates";

    public IReadOnlyList<TemplateStatus> Templates { get; private set; } = [];

    public void OnGet() => Templates = templates.List();
}
