namespace Newsletter.Subscribers;

/// <summary>The transactional emails of the subscriber lifecycle.</summary>
public static class SubscriberEmailKinds
{
    public const string Confirm = "subscriber.confirm";
    public const string AlreadySubscribed = "subscriber.already-subscribed";
    public const string Goodbye = "subscriber.goodbye";
    public const string Welcome = "subscriber.welcome";
}
