#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1795388793.795747	C9NO05KnZTVD090Zhk	127.0.0.1	45644	127.0.0.1	25	1	client.origin.test	alice@origin.test	root@remote.test,nosuch@remote.test	Sun, 22 Nov 2026 23:06:33 +0000	alice@origin.test	root@remote.test,nosuch@remote.test	-	-	<20261122230633.014589@vm>	-	to a known and an unknown user	-	-	-	250 2.0.0 Ok: queued as D11C9A723FF	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:626dozOObOYHFD/uZG/M5cjNIgk=
1795388793.899206	CZ0Ky24OMw3Mz6SB5S	127.0.0.1	47825	127.0.0.2	25	1	mail.example.test	alice@origin.test	nosuch@remote.test,root@remote.test	Sun, 22 Nov 2026 23:06:33 +0000	alice@origin.test	root@remote.test,nosuch@remote.test	-	-	<20261122230633.014589@vm>	-	to a known and an unknown user	-	from client.origin.test (localhost [127.0.0.1])\x09by mail.example.test (Postfix) with ESMTP id D11C9A723FF;\x09Sun, 22 Nov 2026 23:06:33 +0000 (UTC)	-	250 2.0.0 Ok: queued as EB67CA72402	127.0.0.2,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:3baickJOQNwGlA5gMU339hgHwh0=
1795388793.987932	C0zkITgbZj1RnsdoiX	127.0.0.1	52791	127.0.0.2	25	1	mail.example.test	-	alice@origin.test	Sun, 22 Nov 2026 23:06:33 +0000 (UTC)	Mail Delivery System <MAILER-DAEMON@mail.example.test>	alice@origin.test	-	-	<20261122230633.F06E1A720C1@mail.example.test>	-	Undelivered Mail Returned to Sender	-	by mail.example.test (Postfix)\x09id F06E1A720C1; Sun, 22 Nov 2026 23:06:33 +0000 (UTC)	-	250 2.0.0 Ok: queued as F166EA723FF	127.0.0.2,127.0.0.1	-	F	(empty)	1:XtpA3tjrdf6V3Ja1DESOF+1NM30=
#close	XXXX-XX-XX-XX-XX-XX
